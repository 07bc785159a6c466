import { Redis, type Cluster } from 'ioredis';
import { InvalidSyncOptionsError, SyncConnectionError, SyncError } from '../sync.errors.js';
import {
  INVALID_REDIS_OPTION,
  REDIS_CALL_FAILED,
  REDIS_CALL_TIMEOUT,
  REDIS_CLOSED,
  REDIS_CONNECT_FAILED,
  redactSecrets,
  redactUrl,
} from './redis.messages.js';
import type { RedisScriptClient } from './redis.scripts.js';

/** Either reply mapping of ioredis: the backend reads only arrays, strings, numbers and Buffers. */
type ReplyMapping = 'legacy' | 'resp3';

/** An ioredis client: a single server (or Sentinel) `Redis`, or a `Cluster`. */
export type RedisClient = Redis<ReplyMapping> | Cluster<ReplyMapping>;

/** Connection options shared by `RedisSyncStore` and `RedisSyncLock`. */
export interface RedisConnectionOptions {
  /** An ioredis `Redis` or `Cluster` client to use. It is never closed by `close()`: its owner closes it. */
  client?: RedisClient;
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…`; the client created from it is closed by `close()`. */
  url?: string;
  /** Start of every key and channel (default `sync`). No whitespace, newlines or braces. */
  keyPrefix?: string;
  /** ms a Redis call may take before it rejects with a `SyncConnectionError` (default 5000). */
  timeout?: number;
}

/** The commands the backend sends; ioredis' own overloads are too wide to call through a `Redis | Cluster` union. */
export interface RedisCommandClient extends RedisScriptClient {
  get(key: string): Promise<string | null>;
  hmgetBuffer(key: string, ...fields: string[]): Promise<(Buffer | null)[]>;
  publish(channel: string, message: string): Promise<number>;
  ping(): Promise<string>;
}

/** Default of the `timeout` option, ms. */
export const DEFAULT_REDIS_TIMEOUT = 5_000;

const CLIENT_METHODS = ['evalsha', 'eval', 'get', 'hmgetBuffer', 'publish', 'ping', 'connect', 'duplicate', 'quit', 'disconnect', 'on', 'off'];

/** Exponential backoff from 100 ms to 2 s, with jitter so that many processes do not reconnect in step. */
function backoff(times: number): number {
  const ceiling = Math.min(100 * 2 ** Math.min(times - 1, 5), 2_000);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

function isClient(value: unknown): value is RedisClient {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.status === 'string' && CLIENT_METHODS.every((method) => typeof candidate[method] === 'function');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The client of one store or lock: checks the options, creates the client from
 * a URL (and then owns it), bounds every call in time and turns failures into
 * `SyncConnectionError`s that name the (redacted) server, never a password.
 */
export class RedisConnection {
  readonly client: RedisClient;
  /** Whether the client was created here from `url`, so `close()` closes it. */
  readonly owned: boolean;
  /** The server as messages name it: a redacted URL, or host:port of a client passed in. */
  readonly target: string;
  readonly timeout: number;
  private readonly secrets: string[] = [];
  private lastError: string | undefined;
  private closed = false;
  private readonly onError = (error: unknown) => (this.lastError = this.redact(messageOf(error)));

  constructor(
    readonly owner: string,
    options: RedisConnectionOptions,
  ) {
    const { client, url, timeout = DEFAULT_REDIS_TIMEOUT } = options ?? {};
    const invalid = (option: string, value: unknown, fix: string) =>
      new InvalidSyncOptionsError(INVALID_REDIS_OPTION(owner, option, value, fix), option, value);
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw invalid('timeout', timeout, 'Use a finite number of milliseconds greater than 0 (default 5000).');
    }
    this.timeout = timeout;
    if (client !== undefined && url !== undefined) {
      throw invalid('url', typeof url === 'string' ? redactUrl(url) : url, 'Pass either "client" or "url", not both.');
    }
    if (client !== undefined) {
      if (!isClient(client)) {
        throw invalid('client', client, 'Pass an ioredis client: new Redis(...) or new Cluster(...) from "ioredis", or use "url".');
      }
      this.client = client;
      this.owned = false;
      this.target = this.describeClient(client);
      this.addSecret(client.isCluster ? (client as Cluster).options.redisOptions?.password : (client as Redis).options.password);
    } else if (url !== undefined) {
      const parsed = typeof url === 'string' && URL.canParse(url) ? new URL(url) : undefined;
      if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
        throw invalid('url', typeof url === 'string' ? redactUrl(url) : url, 'Use a URL such as "redis://localhost:6379" or "rediss://user:password@host:6380/0".');
      }
      this.addSecret(decodeURIComponent(parsed.password));
      this.target = redactUrl(url);
      this.owned = true;
      // lazyConnect: nothing happens before the first call or connect(). maxRetriesPerRequest: a call
      // queued while Redis is down fails after one reconnection attempt instead of waiting for it.
      this.client = new Redis(url, {
        lazyConnect: true,
        connectTimeout: timeout,
        maxRetriesPerRequest: 1,
        retryStrategy: backoff,
      });
    } else {
      throw invalid('client', undefined, 'Pass "client" (an ioredis Redis or Cluster) or "url" (e.g. "redis://localhost:6379").');
    }
    this.client.on('error', this.onError);
  }

  /** Runs `operation` with the client, bounded by `timeout`; failures become `SyncConnectionError`s. */
  call<T>(operation: string, work: (client: RedisCommandClient) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new SyncConnectionError(REDIS_CLOSED(this.owner)));
    // A client of ours that gave up after a failed connect() reconnects on the next call.
    if (this.owned && this.client.status === 'end') this.client.connect().catch(() => undefined);
    return this.settle(operation, work(this.client as unknown as RedisCommandClient));
  }

  /** Bounds a promise from this connection (or its subscriber) by `timeout` and translates its failure. */
  settle<T>(operation: string, work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new SyncConnectionError(REDIS_CALL_TIMEOUT(this.owner, this.target, operation, this.timeout, this.lastError))),
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
              : new SyncConnectionError(REDIS_CALL_FAILED(this.owner, this.target, operation, this.redact(messageOf(error))), { cause: error }),
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
      if (this.client.status === 'wait' || (this.owned && this.client.status === 'end')) {
        await this.settle('connect', this.client.connect());
      }
      await this.settle('PING', (this.client as unknown as RedisCommandClient).ping());
    } catch (error) {
      // Stop the reconnection loop of our own client: a failed bootstrap must not keep the process alive.
      if (this.owned) this.client.disconnect();
      const cause = this.lastError ?? this.redact(error instanceof SyncError && error.cause ? messageOf(error.cause) : messageOf(error));
      throw new SyncConnectionError(REDIS_CONNECT_FAILED(this.owner, this.target, cause), { cause: error });
    }
  }

  /** A new connection to the same server(s) with the same options, e.g. for pub/sub. The caller closes it. */
  duplicate(): RedisClient {
    const duplicate = this.client.isCluster
      ? (this.client as Cluster).duplicate(undefined, { lazyConnect: true })
      : (this.client as Redis).duplicate({ lazyConnect: true, autoResubscribe: true });
    duplicate.on('error', this.onError);
    return duplicate;
  }

  /** Closes the client if it was created here; a client passed in is left open for its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.off('error', this.onError);
    if (!this.owned) return;
    if (this.client.status === 'ready') await this.settle('QUIT', this.client.quit()).catch(() => undefined);
    this.client.disconnect();
  }

  private describeClient(client: RedisClient): string {
    if (client.isCluster) return 'the Redis Cluster of the client passed in';
    const { host = 'localhost', port = 6379, path } = (client as Redis).options;
    return `${path ?? `${host}:${port}`} (client passed in)`;
  }

  private addSecret(secret: string | undefined): void {
    if (secret) this.secrets.push(secret);
  }

  private redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}
