/**
 * The Redis backend of nestjs-version-sync (subpath `nestjs-version-sync/redis`).
 * Needs the optional peer dependency `ioredis`; an app that does not import
 * this subpath does not need it.
 */
export { RedisSyncLock } from '../locks/redis-sync.lock.js';
export type { RedisSyncLockOptions } from '../locks/redis-sync.lock.js';
export { RedisSyncStore } from '../stores/redis-sync.store.js';
export type { RedisSyncStoreOptions } from '../stores/redis-sync.store.js';
