import type { Database } from 'better-sqlite3';
import { invalidOption } from './sqlite.messages.js';

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
   * ms SQLite itself waits for a lock within one attempt (default 20). better-sqlite3 is synchronous,
   * so this wait blocks the event loop: keep it short; longer waits are retried without blocking.
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

/** Checks a number of milliseconds. */
export function positiveMs(owner: string, option: string, value: unknown, fallback: number, zero = false): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && (value > 0 || (zero && value === 0))) return value;
  const range = zero ? '0 or more' : 'greater than 0';
  throw invalidOption(
    owner,
    option,
    value,
    `Use a finite number of milliseconds, ${range}, or leave it out (default ${fallback}).`,
  );
}

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
  if (typeof options !== 'object' || options === null) {
    throw invalidOption(owner, 'options', options, 'Pass an object with a "path" (or a better-sqlite3 "database").');
  }
  const { path, database } = options;
  if (path !== undefined && database !== undefined) {
    throw invalidOption(owner, 'path', path, 'Pass either "path" or "database", not both.');
  }
  if (database !== undefined && !isDatabase(database)) {
    throw invalidOption(owner, 'database', database, 'Pass a better-sqlite3 Database, or a "path" instead.');
  }
  if (database === undefined) {
    if (typeof path !== 'string' || path.trim() === '') {
      throw invalidOption(
        owner,
        'path',
        path,
        'Pass the path of the database file every worker shares, e.g. "/var/lib/my-app/sync.db".',
      );
    }
    if (path === ':memory:' || path.startsWith('file:')) {
      throw invalidOption(
        owner,
        'path',
        path,
        'Use a plain file path: an in-memory database is not shared by processes (pass a "database" for one process).',
      );
    }
  }
  const tablePrefix = options.tablePrefix ?? 'sync';
  if (typeof tablePrefix !== 'string' || !PREFIX.test(tablePrefix)) {
    throw invalidOption(
      owner,
      'tablePrefix',
      options.tablePrefix,
      'Use 1 to 40 letters, digits or underscores, starting with a letter or an underscore, or leave it out ("sync").',
    );
  }
  const timeout = positiveMs(owner, 'timeout', options.timeout, 5_000);
  const busyTimeout = positiveMs(owner, 'busyTimeout', options.busyTimeout, 20, true);
  if (busyTimeout > timeout) {
    throw invalidOption(owner, 'busyTimeout', busyTimeout, `Use a value no greater than "timeout" (${timeout} ms).`);
  }
  return { path, database, tablePrefix, timeout, busyTimeout };
}
