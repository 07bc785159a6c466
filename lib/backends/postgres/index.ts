/**
 * PostgreSQL backends of nestjs-version-sync (`nestjs-version-sync/postgres`).
 * Needs the optional peer dependency `pg` (8.x).
 *
 * @example
 * import { PostgresSyncLock, PostgresSyncStore } from 'nestjs-version-sync/postgres';
 * SyncModule.forRoot({ interval: 5_000, store: new PostgresSyncStore({ pool }), lock: new PostgresSyncLock({ pool })
 * });
 */
export { PostgresSyncLock } from './postgres-sync.lock.js';
export type { PostgresSyncLockOptions } from './postgres-sync.lock.js';
export type { PostgresConnectionOptions } from './postgres-connection.js';
export { PostgresSyncStore } from './postgres-sync.store.js';
export type { PostgresSyncStoreOptions } from './postgres-sync.store.js';
