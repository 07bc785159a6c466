import type { Cluster, Redis } from 'ioredis';
import { SyncConnectionError, SyncError } from '../../backend/index.js';
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
 */
export class RedisConnection {
  readonly client: RedisClient;
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
    this.client = resolved.client;
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
    this.client.on('error', this.onError);
    this.client.on('ready', this.onReady);
  }

  /** Runs `action` with the client, bounded by `timeout`; failures become `SyncConnectionError`s. */
  call<T>(action: string, work: (client: RedisCommandClient) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    const opening = this.open();
    if (!opening && this.owned && this.client.status !== 'ready') {
      // Reconnecting in the background: fail now rather than queue (see the client options).
      return Promise.reject(this.caller.failure(action, new Error(`not connected (${this.client.status})`)));
    }
    const client = this.client as unknown as RedisCommandClient;
    return this.settle(action, opening ? opening.then(() => work(client)) : work(client));
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
      const opening = this.open() ?? (this.client.status === 'wait' ? this.client.connect() : this.untilReady());
      if (opening) await this.settle('connect', opening);
      await this.settle('connect', (this.client as unknown as RedisCommandClient).ping());
    } catch (error) {
      // Stop the reconnection loop of our own client: a failed bootstrap must not keep the process alive.
      if (this.owned) {
        this.client.disconnect();
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
    const status = this.client.status;
    if (status !== 'connecting' && status !== 'connect' && status !== 'reconnecting') return undefined;
    return new Promise((resolve) => this.client.once('ready', () => resolve()));
  }

  /**
   * A new connection to the same server(s) with the same options, for pub/sub; the caller closes it.
   * Its SUBSCRIBE may wait for the connection (offline queue) and it subscribes again after a reconnection.
   */
  duplicate(): RedisClient {
    const duplicate = this.client.isCluster
      ? (this.client as Cluster).duplicate(undefined, { lazyConnect: true, enableOfflineQueue: true })
      : (this.client as Redis).duplicate({ lazyConnect: true, enableOfflineQueue: true, autoResubscribe: true });
    duplicate.on('error', this.onError);
    return duplicate;
  }

  /** Closes the client if it was created here; a client passed in is left open for its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.off('error', this.onError);
    this.client.off('ready', this.onReady);
    if (!this.owned) return;
    if (this.client.status === 'ready') await this.settle('quit', this.client.quit()).catch(() => undefined);
    this.client.disconnect();
  }

  /**
   * Starts connecting a client of ours that is not connected and not reconnecting by itself
   * (never connected yet, or stopped after a failed connect()); the promise all callers wait for.
   */
  private open(): Promise<void> | undefined {
    if (!this.owned) return undefined;
    const status = this.client.status;
    if (!this.opening && (status === 'wait' || status === 'end' || (this.stopped && status === 'reconnecting'))) {
      this.stopped = false;
      this.opening = this.client.connect().finally(() => (this.opening = undefined));
    }
    return this.opening;
  }
}
