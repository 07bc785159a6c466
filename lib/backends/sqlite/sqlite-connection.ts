import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database, Transaction } from 'better-sqlite3';
import { SyncConnectionError, SyncError } from '../../backend/index.js';
import { BACKEND_CLOSED, backoffDelay, BoundedCaller, optionalPeer } from '../shared/index.js';
import { normalizeSqliteOptions } from './sqlite-connection.options.js';
import type { NormalizedSqliteOptions, SqliteConnectionOptions } from './sqlite-connection.options.js';
import { networkFileSystemOf } from './sqlite-file-system.js';
import { networkFileSystem, SQLITE, sqliteHint } from './sqlite.messages.js';
import { prepareStatements, sqliteSchemaSql, sqliteTables } from './sqlite.schema.js';
import type { SqliteStatements } from './sqlite.schema.js';

/** An open connection with its statements. */
export interface SqliteHandle {
  readonly db: Database;
  readonly statements: SqliteStatements;
}

/** better-sqlite3, an optional peer: loaded only to open a file from `path` (a `database` passed in needs none). */
const loadBetterSqlite3 = optionalPeer('better-sqlite3', '^12', () => import('better-sqlite3'));

/** SQLite's "another connection holds the lock" results: waited for and retried, never shown to the app. */
const isBusy = (error: unknown) => /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown })?.code ?? ''));

/** Pauses between attempts on a busy database, ms: short, since a write transaction lasts a fraction of one. */
const BUSY_BACKOFF = { base: 2, max: 40 };

/**
 * The database file of a SQLite backend and the rules around it: option checks,
 * a local file only, WAL, ownership (only a connection opened here is closed),
 * every write in `BEGIN IMMEDIATE`, and no `SQLITE_BUSY` ever reaching the app.
 *
 * better-sqlite3 is synchronous: SQLite's own busy wait (`busyTimeout`, short)
 * blocks the event loop, so a lock held longer is waited for here, between
 * attempts, with a growing pause, until the call's `timeout`; then the call
 * fails with a `SyncConnectionError` naming the file. There is no socket to race
 * against a timer, so of `BoundedCaller` only its errors are used: they read like
 * every other backend's.
 */
export class SqliteConnection {
  /** The file, for messages. */
  readonly file: string;
  readonly options: NormalizedSqliteOptions;
  private readonly caller: BoundedCaller;
  private handle?: SqliteHandle;
  private immediate?: Transaction<(work: () => unknown) => unknown>;
  private closed = false;

  constructor(
    /** Class name of the backend, used in messages. */
    readonly owner: string,
    options: SqliteConnectionOptions,
  ) {
    this.options = normalizeSqliteOptions(owner, options);
    const { path, database } = this.options;
    this.file = database
      ? database.memory
        ? `the in-memory database "${database.name}"`
        : database.name
      : resolve(path!);
    const { timeout } = this.options;
    this.caller = new BoundedCaller({
      owner,
      server: SQLITE,
      target: this.file,
      secrets: [],
      hint: (cause) => sqliteHint(cause, timeout),
    });
  }

  /**
   * The open connection: opens it (and creates the tables) on first use. Synchronous; throws SQLite errors.
   * `driver` is better-sqlite3's `Database`, loaded by `run` when no `database` was passed in.
   */
  private open(driver: typeof BetterSqlite3 | undefined): SqliteHandle {
    if (this.closed) throw new SyncConnectionError(BACKEND_CLOSED(this.owner, this.caller.where));
    if (this.handle) return this.handle;
    const { database, busyTimeout, tablePrefix } = this.options;
    const memory = database?.memory ?? false;
    if (!memory) {
      const kind = networkFileSystemOf(dirname(this.file));
      if (kind) throw networkFileSystem(this.owner, this.file, kind);
    }
    const db = database ?? new driver!(this.file, { timeout: busyTimeout });
    try {
      // WAL: readers never wait for the writer, and a commit touches the -wal file, which followers watch.
      if (!memory && String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') {
        db.pragma('journal_mode = WAL');
      }
      // NORMAL is durable across process crashes in WAL mode; a power cut may lose the last snapshot, not the file.
      if (!database) db.pragma('synchronous = NORMAL');
      const tables = sqliteTables(tablePrefix);
      db.transaction(() => db.exec(sqliteSchemaSql(tables))).immediate();
      this.immediate = db.transaction((work: () => unknown) => work());
      this.handle = { db, statements: prepareStatements(db, tables) };
      return this.handle;
    } catch (error) {
      if (!database) db.close();
      throw error;
    }
  }

  /**
   * Runs `work` on the open connection; a busy database is retried until the
   * call's timeout. Any failure becomes a `SyncConnectionError` naming the file;
   * better-sqlite3 missing, a `SyncPeerMissingError` (at the first call: connect() at bootstrap).
   */
  async run<T>(action: string, work: (handle: SqliteHandle) => T): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const driver = this.handle || this.options.database ? undefined : (await loadBetterSqlite3(this.owner)).default;
        return work(this.open(driver));
      } catch (error) {
        const waited = Date.now() - started;
        if (!isBusy(error) || waited >= this.options.timeout) throw this.failure(action, error);
        // Jittered, growing pauses: contenders do not wake in lockstep.
        await sleep(Math.min(backoffDelay(attempt, BUSY_BACKOFF), this.options.timeout - waited));
      }
    }
  }

  /** Runs `work` in one `BEGIN IMMEDIATE` transaction (the write lock taken up front), with `run`'s retries. */
  write<T>(action: string, work: (handle: SqliteHandle) => T): Promise<T> {
    return this.run(action, (handle) => this.immediate!.immediate(() => work(handle)) as T);
  }

  /** The `SyncConnectionError` for `action` on this file (a `SyncError`, e.g. the NFS refusal, passes through). */
  private failure(action: string, cause: unknown): SyncError {
    return cause instanceof SyncError ? cause : this.caller.failure(action, cause);
  }

  /** Closes the connection if this backend opened it; a passed-in `database` stays open. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.options.database) this.handle?.db.close();
    this.handle = undefined;
  }
}
