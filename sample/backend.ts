import type { SyncModuleOptions } from '../lib/index.js';

/**
 * Picks the backend from the environment: in-memory by default,
 * `SYNC_REDIS_URL` for Redis, `SYNC_POSTGRES_URL` for PostgreSQL
 * (`SYNC_KEY_PREFIX` / `SYNC_PG_SCHEMA` to keep runs apart). The backends are
 * imported only when asked for, so the in-memory sample needs neither
 * ioredis nor pg.
 */
export async function backendOptions(env = process.env): Promise<Pick<SyncModuleOptions, 'store' | 'lock'>> {
  if (env.SYNC_REDIS_URL) {
    const { RedisSyncLock, RedisSyncStore } = await import('../lib/redis/index.js');
    const options = { url: env.SYNC_REDIS_URL, keyPrefix: env.SYNC_KEY_PREFIX ?? 'sync' };
    return { store: new RedisSyncStore(options), lock: new RedisSyncLock(options) };
  }
  if (env.SYNC_POSTGRES_URL) {
    const { PostgresSyncLock, PostgresSyncStore } = await import('../lib/postgres/index.js');
    const options = { connectionString: env.SYNC_POSTGRES_URL, schema: env.SYNC_PG_SCHEMA ?? 'public' };
    return { store: new PostgresSyncStore(options), lock: new PostgresSyncLock(options) };
  }
  return {};
}
