/**
 * The Redis backend of nestjs-version-sync (subpath `nestjs-version-sync/redis`).
 * Needs the optional peer dependency `ioredis`; an app that does not import
 * this subpath does not need it.
 */
export { RedisSyncLock } from './redis-sync.lock.js';
export type { RedisSyncLockOptions } from './redis-sync.lock.js';
export { RedisSyncStore } from './redis-sync.store.js';
export type { RedisSyncStoreOptions } from './redis-sync.store.js';
