import type { Cluster, Redis } from 'ioredis';
import { SyncConnectionError, SyncError, SyncPeerMissingError } from '../../backend/index.js';
import { BACKEND_CLOSED, BoundedCaller } from '../shared/index.js';
import { resolveRedisClient, type RedisClient, type RedisConnectionOptions } from './redis-client.factory.js';
import { REDIS, redisHint } from './redis.messages.js';
import type { RedisScriptClient } from './redis.scripts.js';

/** The commands the backend sends; ioredis' own overloads are too wide to call through a `Redis | Cluster` union. */
export interface RedisCommandClient extends RedisScriptClient {
  get(key: string): Promise<string | null>;
  hmgetBuffer(key: string, ...fields: string[]): Promise<(Buffer | null)[]>;
  publish(channel: string, message: string): Promise<number>;
  ping(): Promise<string>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The client of one store or lock (see `resolveRedisClient`): connects it,
 * bounds every call in time and turns failures into `SyncConnectionError`s
 * that name the (redacted) server, never a password (see `BoundedCaller`).
 * A client from `url` is created when first needed (connect() at bootstrap,
 * or the first call), as that is when ioredis, an optional peer, is loaded.
 */
export class RedisConnection {
  /** The client passed in, or ours once created. */
  private current: RedisClient | undefined;
  private readonly create: (() => Promise<RedisClient>) | undefined;
  private creating: Promise<RedisClient> | undefined;
  /** Whether the client was created here from `url`, so `close()` closes it. */
  readonly owned: boolean;
  /** ms each call may take. */
  readonly timeout: number;
  private readonly caller: BoundedCaller;
  private lastError: string | undefined;
  private closed = false;
  private opening: Promise<void> | undefined;
  /** A failed connect() stopped our client; ioredis then stays 'reconnecting' although nothing reconnects. */
  private stopped = false;
  private readonly onError = (error: unknown) => (this.lastError = this.caller.redact(messageOf(error)));
  private readonly onReady = () => (this.lastError = undefined);

  constructor(
    readonly owner: string,
    options: RedisConnectionOptions,
  ) {
    const resolved = resolveRedisClient(owner, options);
    this.create = resolved.create;
    this.owned = resolved.owned;
    this.timeout = resolved.timeout;
    this.caller = new BoundedCaller({
      owner,
      server: REDIS,
      target: resolved.target,
      secrets: resolved.secrets,
      hint: redisHint,
      lastError: () => this.lastError,
    });
    if (resolved.client) this.attach(resolved.client);
  }

  /** The client's own ioredis `keyPrefix`, if any (none on ours); for scripts that build keys themselves. */
  clientKeyPrefix(): string {
    const options = this.current?.options as { keyPrefix?: string; redisOptions?: { keyPrefix?: string } } | undefined;
    return options?.keyPrefix ?? options?.redisOptions?.keyPrefix ?? '';
  }

  /** Runs `action` with the client, bounded by `timeout`; failures become `SyncConnectionError`s. */
  call<T>(action: string, work: (client: RedisCommandClient) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    const opening = this.open();
    // Without an opening, the client exists: open() creates ours when it does not.
    if (!opening && this.owned && this.current!.status !== 'ready') {
      // Reconnecting in the background: fail now rather than queue (see the client options).
      return Promise.reject(this.caller.failure(action, new Error(`not connected (${this.current!.status})`)));
    }
    const run = () => work(this.current as unknown as RedisCommandClient);
    return this.settle(action, opening ? opening.then(run) : run());
  }

  /** Bounds a promise from this connection (or its subscriber) by `timeout` and translates its failure. */
  settle<T>(action: string, work: Promise<T>): Promise<T> {
    return this.caller.call(action, work, this.timeout);
  }

  /** The error of a call on a closed store or lock. */
  closedError(): SyncConnectionError {
    return new SyncConnectionError(BACKEND_CLOSED(this.owner, REDIS));
  }

  /** Connects (when lazy) and PINGs, within `timeout` each; rejects with a `SyncConnectionError` naming the cause. */
  async connect(): Promise<void> {
    if (this.closed) throw this.closedError();
    this.lastError = undefined;
    try {
      const opening = this.open() ?? (this.current!.status === 'wait' ? this.current!.connect() : this.untilReady());
      if (opening) await this.settle('connect', opening);
      await this.settle('connect', (this.current as unknown as RedisCommandClient).ping());
    } catch (error) {
      // ioredis is not installed: nothing was created, and it is no connection problem.
      if (error instanceof SyncPeerMissingError) throw error;
      // Stop the reconnection loop of our own client: a failed bootstrap must not keep the process alive.
      if (this.owned) {
        this.current?.disconnect();
        this.stopped = true;
      }
      // The root reason (the ioredis error, or the timeout), with the hint about connecting.
      throw this.caller.failure('connect', error instanceof SyncError && error.cause ? error.cause : error);
    }
  }

  /**
   * Resolves when a client that is still connecting becomes ready: a passed-in client
   * (a Cluster discovering its slots, one with `enableOfflineQueue: false`) may refuse
   * commands until then. `undefined` when there is nothing to wait for.
   */
  private untilReady(): Promise<void> | undefined {
    const client = this.current!;
    const status = client.status;
    if (status !== 'connecting' && status !== 'connect' && status !== 'reconnecting') return undefined;
    return new Promise((resolve) => client.once('ready', () => resolve()));
  }

  /**
   * A new connection to the same server(s) with the same options, for pub/sub; the caller closes it.
   * Its SUBSCRIBE may wait for the connection (offline queue) and it subscribes again after a reconnection.
   * Async because our client may not exist yet (see `obtain`).
   */
  async duplicate(): Promise<RedisClient> {
    const client = await this.obtain();
    const duplicate = client.isCluster
      ? (client as Cluster).duplicate(undefined, { lazyConnect: true, enableOfflineQueue: true })
      : (client as Redis).duplicate({ lazyConnect: true, enableOfflineQueue: true, autoResubscribe: true });
    duplicate.on('error', this.onError);
    return duplicate;
  }

  /** Closes the client if it was created here; a client passed in is left open for its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Not created yet (or being created: open() then stops at the closed check): nothing to close.
    const client = this.current;
    if (!client) return;
    client.off('error', this.onError);
    client.off('ready', this.onReady);
    if (!this.owned) return;
    if (client.status === 'ready') await this.settle('quit', client.quit()).catch(() => undefined);
    client.disconnect();
  }

  private attach(client: RedisClient): void {
    client.on('error', this.onError);
    client.on('ready', this.onReady);
    this.current = client;
  }

  /** The client: the one passed in, or ours, created (and ioredis loaded) at the first need. */
  private obtain(): Promise<RedisClient> {
    if (this.current) return Promise.resolve(this.current);
    this.creating ??= this.create!()
      .then((client) => (this.attach(client), client))
      .finally(() => (this.creating = undefined));
    return this.creating;
  }

  /**
   * Starts connecting a client of ours that is not connected and not reconnecting by itself
   * (not created yet, never connected, or stopped after a failed connect()); the promise all callers wait for.
   */
  private open(): Promise<void> | undefined {
    if (!this.owned) return undefined;
    const status = this.current?.status;
    const idle = status === undefined || status === 'wait' || status === 'end';
    if (!this.opening && (idle || (this.stopped && status === 'reconnecting'))) {
      this.stopped = false;
      this.opening = this.obtain()
        .then((client) => {
          if (this.closed) throw this.closedError();
          return client.connect();
        })
        .finally(() => (this.opening = undefined));
    }
    return this.opening;
  }
}
