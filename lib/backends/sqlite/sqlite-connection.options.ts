import type { Database } from 'better-sqlite3';
import { durationOption, invalidOption } from '../shared/index.js';
import {
  FIX_SQLITE_BOTH,
  FIX_SQLITE_DATABASE,
  FIX_SQLITE_IN_MEMORY,
  FIX_SQLITE_OPTIONS,
  FIX_SQLITE_PATH,
  FIX_SQLITE_TABLE_PREFIX,
  FIX_SQLITE_BUSY_TIMEOUT,
} from './sqlite.messages.js';

/** Options shared by `SqliteSyncStore` and `SqliteSyncLock`. */
export interface SqliteConnectionOptions {
  /**
   * The database file, shared by every worker of the host (created with its tables when missing).
   * The backend opens its own connection and closes it on `close()`. Must be on a local disk.
   */
  path?: string;
  /**
   * A better-sqlite3 `Database` the application owns, instead of `path`. It is used as is (switched
   * to WAL if needed; its busy timeout left as the app set it) and never closed by the backend.
   */
  database?: Database;
  /** Prefix of the table names (default `sync`: `sync_snapshots`, `sync_leases`...). Letters, digits, `_`. */
  tablePrefix?: string;
  /** ms a call may take, waits for other workers' write locks included, before it fails (default 5 000). */
  timeout?: number;
  /**
   * ms SQLite itself waits for a lock within one attempt (default 20; 0: no wait). better-sqlite3 is
   * synchronous, so this wait blocks the event loop: keep it short; longer waits are retried without blocking.
   */
  busyTimeout?: number;
}

/** The options, checked, with defaults. */
export interface NormalizedSqliteOptions {
  path?: string;
  database?: Database;
  tablePrefix: string;
  timeout: number;
  busyTimeout: number;
}

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const DEFAULT_TIMEOUT = 5_000;
const DEFAULT_BUSY_TIMEOUT = 20;

function isDatabase(value: unknown): value is Database {
  const candidate = value as Partial<Database> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.prepare === 'function' &&
    typeof candidate.pragma === 'function' &&
    typeof candidate.name === 'string'
  );
}

/**
 * Checks the connection options of a SQLite backend.
 *
 * @throws InvalidSyncOptionsError naming the option, the value and the fix.
 */
export function normalizeSqliteOptions(owner: string, options: SqliteConnectionOptions): NormalizedSqliteOptions {
  if (typeof options !== 'object' || options === null)
    throw invalidOption(owner, 'options', options, FIX_SQLITE_OPTIONS);
  const { path, database } = options;
  if (path !== undefined && database !== undefined) throw invalidOption(owner, 'path', path, FIX_SQLITE_BOTH);
  if (database !== undefined && !isDatabase(database)) {
    throw invalidOption(owner, 'database', database, FIX_SQLITE_DATABASE);
  }
  if (database === undefined) {
    if (typeof path !== 'string' || path.trim() === '') throw invalidOption(owner, 'path', path, FIX_SQLITE_PATH);
    if (path === ':memory:' || path.startsWith('file:')) throw invalidOption(owner, 'path', path, FIX_SQLITE_IN_MEMORY);
  }
  const tablePrefix = options.tablePrefix ?? 'sync';
  if (typeof tablePrefix !== 'string' || !PREFIX.test(tablePrefix)) {
    throw invalidOption(owner, 'tablePrefix', options.tablePrefix, FIX_SQLITE_TABLE_PREFIX);
  }
  const timeout = durationOption(owner, 'timeout', options.timeout, DEFAULT_TIMEOUT);
  // 0 is SQLite's "do not wait at all" (every wait then happens between attempts); otherwise a duration.
  const busyTimeout =
    options.busyTimeout === 0 ? 0 : durationOption(owner, 'busyTimeout', options.busyTimeout, DEFAULT_BUSY_TIMEOUT);
  if (busyTimeout > timeout) {
    throw invalidOption(owner, 'busyTimeout', busyTimeout, FIX_SQLITE_BUSY_TIMEOUT(timeout));
  }
  return { path, database, tablePrefix, timeout, busyTimeout };
}
