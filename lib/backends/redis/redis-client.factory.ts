import type { Cluster, Redis } from 'ioredis';
import { backoffDelay, durationOption, invalidOption, optionalPeer, redactUrl, secretsOf } from '../shared/index.js';
import { FIX_REDIS_BOTH, FIX_REDIS_CLIENT, FIX_REDIS_MISSING, FIX_REDIS_URL } from './redis.messages.js';

/** Either reply mapping of ioredis: the backend reads only arrays, strings, numbers and Buffers. */
type ReplyMapping = 'legacy' | 'resp3';

/** An ioredis client: a single server (or Sentinel) `Redis`, or a `Cluster`. */
export type RedisClient = Redis<ReplyMapping> | Cluster<ReplyMapping>;

/** Connection options shared by `RedisSyncStore` and `RedisSyncLock`. */
export interface RedisConnectionOptions {
  /** An ioredis `Redis` or `Cluster` client to use. It is never closed by `close()`: its owner closes it. */
  client?: RedisClient;
  /**
   * `redis://[[user]:password@]host[:port][/db]` or `rediss://…`; the client created from it is closed by `close()`.
   */
  url?: string;
  /** Start of every key and channel (default `sync`). No whitespace, newlines or braces. */
  keyPrefix?: string;
  /** ms a Redis call may take before it rejects with a `SyncConnectionError` (default 5000). */
  timeout?: number;
}

/** Default of the `timeout` option, ms. */
export const DEFAULT_REDIS_TIMEOUT = 5_000;

/** ioredis, an optional peer: loaded only to create a client from `url` (a client passed in needs no import). */
const loadIoredis = optionalPeer('ioredis', '^6', () => import('ioredis'));

/** The client to use, checked or to be created, with what messages may say about it. */
export interface ResolvedRedisClient {
  /** The client passed in; `undefined` when it is created from `url` by `create`. */
  readonly client?: RedisClient;
  /**
   * Creates the client from `url` (not connected), loading ioredis first: rejects with a
   * `SyncPeerMissingError` when ioredis is not installed. Whoever calls it closes the client.
   */
  readonly create?: () => Promise<RedisClient>;
  /** Created here from `url`: whoever resolved it closes it. */
  readonly owned: boolean;
  /** The server as messages name it: a redacted URL, or host:port of a client passed in. */
  readonly target: string;
  readonly timeout: number;
  /** Passwords to hide from any message. */
  readonly secrets: readonly string[];
}

const CLIENT_METHODS = [
  'evalsha',
  'eval',
  'get',
  'hmgetBuffer',
  'publish',
  'ping',
  'connect',
  'duplicate',
  'quit',
  'disconnect',
  'on',
  'off',
];

/** Reconnection delays from 100 ms to 2 s, jittered (ioredis counts attempts from 1). */
const retryStrategy = (times: number) => backoffDelay(times - 1, { base: 100, max: 2_000 });

/** Duck-typed rather than `instanceof`, so a client from another copy of ioredis is accepted too. */
function isClient(value: unknown): value is RedisClient {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.status === 'string' && CLIENT_METHODS.every((method) => typeof candidate[method] === 'function')
  );
}

function describeClient(client: RedisClient): string {
  if (client.isCluster) return 'the Redis Cluster of the client passed in';
  const { host = 'localhost', port = 6379, path, sentinels, name } = (client as Redis).options;
  // A Sentinel-backed client's host and port are unused defaults: name the master it asks the sentinels for.
  if (sentinels?.length) {
    const via = sentinels.map((s) => `${s.host ?? 'localhost'}:${s.port ?? 26379}`).join(', ');
    return `the master "${name}" of the sentinels ${via} (client passed in)`;
  }
  return `${path ?? `${host}:${port}`} (client passed in)`;
}

/**
 * Checks the connection options of `owner` and returns the client to use: the
 * one passed in, or how to create one from `url`. Throws `InvalidSyncOptionsError`s
 * that name the option and the value, with any password redacted.
 */
export function resolveRedisClient(owner: string, options: RedisConnectionOptions): ResolvedRedisClient {
  const { client, url } = options ?? {};
  const timeout = durationOption(owner, 'timeout', options?.timeout, DEFAULT_REDIS_TIMEOUT);
  const invalid = (option: string, value: unknown, fix: string) => invalidOption(owner, option, value, fix);
  const shownUrl = typeof url === 'string' ? redactUrl(url) : url;
  if (client !== undefined && url !== undefined) throw invalid('url', shownUrl, FIX_REDIS_BOTH);
  if (client !== undefined) {
    if (!isClient(client)) throw invalid('client', client, FIX_REDIS_CLIENT);
    const { password, sentinelPassword } = client.isCluster
      ? { ...(client as Cluster).options.redisOptions }
      : (client as Redis).options;
    const secrets = [password, sentinelPassword].filter((secret): secret is string => Boolean(secret));
    return { client, owned: false, target: describeClient(client), timeout, secrets };
  }
  if (url === undefined) throw invalid('client', undefined, FIX_REDIS_MISSING);
  const parsed = typeof url === 'string' && URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw invalid('url', shownUrl, FIX_REDIS_URL);
  }
  // lazyConnect: nothing happens before the first call or connect(). No offline queue and no
  // resending: while Redis is down a call fails at once, and a call that timed out is never sent
  // later (a late acquire would hold a lease nobody knows of, a late write would land unseen).
  const create = async (): Promise<RedisClient> =>
    new (await loadIoredis(owner)).Redis(url, {
      lazyConnect: true,
      connectTimeout: timeout,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      retryStrategy,
    });
  return { create, owned: true, target: redactUrl(url), timeout, secrets: secretsOf(url) };
}
