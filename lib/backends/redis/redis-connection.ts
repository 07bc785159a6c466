import type { Cluster, Redis } from 'ioredis';
import { SyncConnectionError, SyncError } from '../../backend/index.js';
import { resolveRedisClient, type RedisClient, type RedisConnectionOptions } from './redis-client.factory.js';
import {
  REDIS_CALL_FAILED,
  REDIS_CALL_TIMEOUT,
  REDIS_CLOSED,
  REDIS_CONNECT_FAILED,
  redactSecrets,
} from './redis.messages.js';
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
 * that name the (redacted) server, never a password.
 */
export class RedisConnection {
  readonly client: RedisClient;
  /** Whether the client was created here from `url`, so `close()` closes it. */
  readonly owned: boolean;
  /** The server as messages name it: a redacted URL, or host:port of a client passed in. */
  readonly target: string;
  /** ms each call may take. */
  readonly timeout: number;
  private readonly secrets: readonly string[];
  private lastError: string | undefined;
  private closed = false;
  private opening: Promise<void> | undefined;
  /** A failed connect() stopped our client; ioredis then stays 'reconnecting' although nothing reconnects. */
  private stopped = false;
  private readonly onError = (error: unknown) => (this.lastError = this.redact(messageOf(error)));
  private readonly onReady = () => (this.lastError = undefined);

  constructor(
    readonly owner: string,
    options: RedisConnectionOptions,
  ) {
    const resolved = resolveRedisClient(owner, options);
    this.client = resolved.client;
    this.owned = resolved.owned;
    this.target = resolved.target;
    this.timeout = resolved.timeout;
    this.secrets = resolved.secrets;
    this.client.on('error', this.onError);
    this.client.on('ready', this.onReady);
  }

  /** Runs `operation` with the client, bounded by `timeout`; failures become `SyncConnectionError`s. */
  call<T>(operation: string, work: (client: RedisCommandClient) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new SyncConnectionError(REDIS_CLOSED(this.owner)));
    const opening = this.open();
    if (!opening && this.owned && this.client.status !== 'ready') {
      // Reconnecting in the background: fail now rather than queue (see the client options).
      const cause = `not connected (${this.client.status})`;
      return Promise.reject(
        new SyncConnectionError(REDIS_CALL_FAILED(this.owner, this.target, operation, cause, this.lastError)),
      );
    }
    const client = this.client as unknown as RedisCommandClient;
    return this.settle(operation, opening ? opening.then(() => work(client)) : work(client));
  }

  /** Bounds a promise from this connection (or its subscriber) by `timeout` and translates its failure. */
  settle<T>(operation: string, work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new SyncConnectionError(
              REDIS_CALL_TIMEOUT(this.owner, this.target, operation, this.timeout, this.lastError),
            ),
          ),
        this.timeout,
      );
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(
            error instanceof SyncError
              ? error
              : new SyncConnectionError(
                  REDIS_CALL_FAILED(this.owner, this.target, operation, this.redact(messageOf(error)), this.lastError),
                  { cause: error },
                ),
          );
        },
      );
    });
  }

  /** Connects (when lazy) and PINGs, within `timeout` each; rejects with a `SyncConnectionError` naming the cause. */
  async connect(): Promise<void> {
    if (this.closed) throw new SyncConnectionError(REDIS_CLOSED(this.owner));
    this.lastError = undefined;
    try {
      const opening = this.open() ?? (this.client.status === 'wait' ? this.client.connect() : this.untilReady());
      if (opening) await this.settle('connect', opening);
      await this.settle('PING', (this.client as unknown as RedisCommandClient).ping());
    } catch (error) {
      // Stop the reconnection loop of our own client: a failed bootstrap must not keep the process alive.
      if (this.owned) {
        this.client.disconnect();
        this.stopped = true;
      }
      const cause = this.lastError ?? this.redact(this.causeOf(error));
      throw new SyncConnectionError(REDIS_CONNECT_FAILED(this.owner, this.target, cause), { cause: error });
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
    if (this.client.status === 'ready') await this.settle('QUIT', this.client.quit()).catch(() => undefined);
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

  /** The root reason of a failed call: the ioredis error, or the timeout. */
  private causeOf(error: unknown): string {
    if (!(error instanceof SyncError)) return messageOf(error);
    return error.cause === undefined ? `no answer within ${this.timeout} ms` : messageOf(error.cause);
  }

  private redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}
