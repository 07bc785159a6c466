/**
 * The chaos run's SQLite "store": one database file in a temp directory, shared by every
 * instance (SYNC_SQLITE_PATH), as the workers of one host share it. There is no server: no
 * restart, no outage, no connections to cut — the faults that apply are the processes' own
 * (kill -9, SIGSTOP past the lease, a fresh process replacing a dead one). Deleting or
 * restoring the -wal / -shm files is not a fault a host can have without corrupting the
 * database (it is what SQLite's documentation lists under "how to corrupt"), so it is not
 * one here. The monitor reads the file directly, through a read-only connection of its own.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteTables } from '../../lib/backends/sqlite/sqlite.schema.js';
import { onExit } from './chaos.cleanup.js';
import { CHAOS_NAMESPACE, type ChaosStore, holderPid, type StoreProbe } from './chaos.store.js';

/** `tablePrefix` of the instances (SqliteSyncStore's default). */
const TABLES = sqliteTables('sync');

/** A SQLite file owned by one chaos run. */
export class ChaosSqliteFile implements ChaosStore {
  readonly backend = 'sqlite';
  readonly hasServer = false;
  /** Every committed transaction is in the file (WAL); a killed process loses only its open one. */
  readonly persistent = true;
  readonly description: string;
  readonly env: Record<string, string>;
  private readonly dir = mkdtempSync(join(tmpdir(), 'vsync-chaos-sqlite-'));
  private readonly path = join(this.dir, 'sync.db');
  private db: Database.Database | undefined;
  private read: (() => { leases: LeaseRow[]; fences: FenceRow[] }) | undefined;
  private readonly unregister: () => void;

  constructor() {
    this.description = `SQLite file ${this.path} (WAL; no server: no store restart, outage or connection cut)`;
    this.env = { SYNC_SQLITE_PATH: this.path };
    this.unregister = onExit(() => rmSync(this.dir, { recursive: true, force: true }));
  }

  restart(): Promise<void> {
    return Promise.reject(new Error('SQLite has no server to restart'));
  }

  stop(): Promise<void> {
    return Promise.reject(new Error('SQLite has no server to stop'));
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  cutConnections(): Promise<number> {
    return Promise.reject(new Error('SQLite has no connections to cut'));
  }

  /**
   * Lease and fences in one read transaction (one snapshot of the file). Opened lazily: the file and its
   * tables exist once the first instance has started; until then (or on SQLITE_BUSY) the probe is unanswered.
   */
  probe(): Promise<StoreProbe | undefined> {
    const sentAt = Date.now();
    try {
      const { leases, fences } = this.reader()();
      const receivedAt = Date.now();
      const probe: StoreProbe = { sentAt, receivedAt, fences: new Map(fences.map((r) => [r.tag, Number(r.fence)])) };
      const lease = leases[0];
      if (lease) probe.lease = { fence: Number(lease.fence), pid: holderPid(lease.holder) };
      return Promise.resolve(probe);
    } catch {
      return Promise.resolve(undefined);
    }
  }

  dispose(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    rmSync(this.dir, { recursive: true, force: true });
    this.unregister();
    return Promise.resolve();
  }

  private reader(): () => { leases: LeaseRow[]; fences: FenceRow[] } {
    if (this.read) return this.read;
    const db = new Database(this.path, { readonly: true, fileMustExist: true, timeout: 50 });
    try {
      const leases = db.prepare<[string, number], LeaseRow>(
        `SELECT holder, fence FROM "${TABLES.leases}" WHERE name = ? AND expires_at > ?`,
      );
      const fences = db.prepare<[string], FenceRow>(`SELECT tag, fence FROM "${TABLES.snapshots}" WHERE namespace = ?`);
      this.db = db;
      // A deferred transaction: both SELECTs see the same commit.
      return (this.read = db.transaction(() => ({
        leases: leases.all(CHAOS_NAMESPACE, Date.now()),
        fences: fences.all(CHAOS_NAMESPACE),
      })));
    } catch (error) {
      db.close(); // tables not created yet: try again at the next probe
      throw error;
    }
  }
}

interface LeaseRow {
  holder: string;
  fence: number;
}

interface FenceRow {
  tag: string;
  fence: number;
}
