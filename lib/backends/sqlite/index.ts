/**
 * SQLite backends of nestjs-version-sync (`nestjs-version-sync/sqlite`): one local file shared by
 * the workers of one host (node:cluster, PM2), no server to run. Needs the optional peer
 * dependency `better-sqlite3` (12.x).
 *
 * @example
 * import { SqliteSyncLock, SqliteSyncStore } from 'nestjs-version-sync/sqlite';
 * const path = '/var/lib/my-app/sync.db';
 * SyncModule.forRoot({ interval: 5_000, store: new SqliteSyncStore({ path }), lock: new SqliteSyncLock({ path }) });
 */
export { SqliteSyncLock } from './sqlite-sync.lock.js';
export type { SqliteSyncLockOptions } from './sqlite-sync.lock.js';
export type { SqliteConnectionOptions } from './sqlite-connection.options.js';
export { SqliteSyncStore } from './sqlite-sync.store.js';
export type { SqliteSyncStoreOptions } from './sqlite-sync.store.js';
