import type { SyncModuleOptions } from '../lib/index.js';

/** A store and lock chosen from the environment, and how to close what was opened for them. */
export interface SampleBackend {
  readonly options: Pick<SyncModuleOptions, 'store' | 'lock'>;
  /** Closes clients created here and passed to the backends (the module never closes a client it was given). */
  close(): Promise<void>;
}

/**
 * Picks the backend from the environment: in-memory by default,
 * `SYNC_REDIS_URL` for Redis, `SYNC_REDIS_CLUSTER` (`host:port,host:port,…`)
 * for a Redis Cluster, `SYNC_POSTGRES_URL` for PostgreSQL (`SYNC_KEY_PREFIX` /
 * `SYNC_PG_SCHEMA` keep runs apart), `SYNC_SQLITE_PATH` for one SQLite file
 * shared by the workers of one host. Backends are imported only when asked
 * for, so the in-memory sample needs neither ioredis, pg nor better-sqlite3.
 */
export async function createBackend(env = process.env): Promise<SampleBackend> {
  const keyPrefix = env.SYNC_KEY_PREFIX ?? 'sync';
  if (env.SYNC_REDIS_CLUSTER) {
    const [{ Cluster }, { RedisSyncLock, RedisSyncStore }] = await Promise.all([
      import('ioredis'),
      import('../lib/backends/redis/index.js'),
    ]);
    const nodes = env.SYNC_REDIS_CLUSTER.split(',').map((node) => {
      const [host, port] = node.split(':');
      return { host, port: Number(port) };
    });
    const client = new Cluster(nodes, { enableOfflineQueue: false });
    return {
      options: { store: new RedisSyncStore({ client, keyPrefix }), lock: new RedisSyncLock({ client, keyPrefix }) },
      close: async () => void (await client.quit()),
    };
  }
  if (env.SYNC_REDIS_URL) {
    const { RedisSyncLock, RedisSyncStore } = await import('../lib/backends/redis/index.js');
    const options = { url: env.SYNC_REDIS_URL, keyPrefix };
    return {
      options: { store: new RedisSyncStore(options), lock: new RedisSyncLock(options) },
      close: async () => undefined,
    };
  }
  if (env.SYNC_POSTGRES_URL) {
    const { PostgresSyncLock, PostgresSyncStore } = await import('../lib/backends/postgres/index.js');
    const options = { connectionString: env.SYNC_POSTGRES_URL, schema: env.SYNC_PG_SCHEMA ?? 'public' };
    return {
      options: { store: new PostgresSyncStore(options), lock: new PostgresSyncLock(options) },
      close: async () => undefined,
    };
  }
  if (env.SYNC_SQLITE_PATH) {
    const { SqliteSyncLock, SqliteSyncStore } = await import('../lib/backends/sqlite/index.js');
    const options = { path: env.SYNC_SQLITE_PATH };
    return {
      options: { store: new SqliteSyncStore(options), lock: new SqliteSyncLock(options) },
      close: async () => undefined,
    };
  }
  return { options: {}, close: async () => undefined };
}
