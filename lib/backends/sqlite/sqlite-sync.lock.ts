import type { SyncLease, SyncLeaseInfo, SyncLock } from '../../backend/index.js';
import { checkName, checkTtl } from '../shared/index.js';
import { SqliteConnection } from './sqlite-connection.js';
import type { SqliteConnectionOptions } from './sqlite-connection.options.js';
import { FIX_SQLITE_HOLDER, FIX_SQLITE_LEASE_NAME } from './sqlite.messages.js';

const OWNER = 'SqliteSyncLock';

/** Options of `SqliteSyncLock`: the file (or a `database`), table prefix and timeouts. */
export type SqliteSyncLockOptions = SqliteConnectionOptions;

/**
 * The arguments of acquire and renew, refused as an `InvalidSyncOptionsError` like in every backend:
 * better-sqlite3 would bind a non-string holder as is, and SQLite's `expires_at` arithmetic needs a real TTL.
 */
function checkLease(name: unknown, holder: unknown, ttl: unknown): void {
  checkName(OWNER, 'lease name', name, FIX_SQLITE_LEASE_NAME);
  checkName(OWNER, 'holder', holder, FIX_SQLITE_HOLDER);
  checkTtl(OWNER, ttl);
}

/**
 * A `SyncLock` in one local SQLite file: a lease row per name with its holder,
 * a fencing token and an expiry, as in `PostgresSyncLock`.
 *
 * Why a row and not SQLite's own file lock: a lock held through an open
 * transaction would block every other writer of the file (snapshots included)
 * and carries no fencing token. The row expires after its TTL whatever happens
 * to the holder (`kill -9`, SIGSTOP), and its `fence` grows by one with every
 * acquisition, never reset (release only expires the row), so the store refuses
 * a paused ex-holder's late write. Each call is one statement in one
 * `BEGIN IMMEDIATE` transaction; expiries are epoch ms on the host's clock,
 * which every worker shares.
 *
 * @example new SqliteSyncLock({ path: '/var/lib/my-app/sync.db' })
 */
export class SqliteSyncLock implements SyncLock {
  private readonly connection: SqliteConnection;

  constructor(options: SqliteSyncLockOptions) {
    this.connection = new SqliteConnection(OWNER, options);
  }

  /** Opens the file (WAL, tables); rejects with a `SyncConnectionError` naming the file. */
  async connect(): Promise<void> {
    await this.connection.run('open the database', () => undefined);
  }

  async acquire(name: string, holder: string, ttl: number): Promise<SyncLease | undefined> {
    checkLease(name, holder, ttl);
    const row = await this.connection.write('acquire a lease', ({ statements }) => {
      const now = Date.now();
      return statements.acquire.get({ name, holder, now, expiresAt: now + ttl }) as { fence: number } | undefined;
    });
    return row && { name, holder, fence: Number(row.fence) };
  }

  async renew(lease: SyncLease, ttl: number): Promise<boolean> {
    const { name, holder, fence } = lease;
    checkLease(name, holder, ttl);
    return this.connection.write('renew a lease', ({ statements }) => {
      const now = Date.now();
      return statements.renew.run({ name, holder, fence, now, expiresAt: now + ttl }).changes === 1;
    });
  }

  async release(lease: SyncLease): Promise<boolean> {
    const { name, holder, fence } = lease;
    return this.connection.write(
      'release a lease',
      ({ statements }) => statements.release.run({ name, holder, fence, now: Date.now() }).changes === 1,
    );
  }

  async current(name: string): Promise<SyncLeaseInfo | undefined> {
    return this.connection.run('read a lease', ({ statements }) => {
      const now = Date.now();
      const row = statements.current.get(name, now) as
        { holder: string; fence: number; expires_at: number } | undefined;
      return row && { holder: row.holder, fence: Number(row.fence), ttlLeft: Math.max(0, row.expires_at - now) };
    });
  }

  /** Closes the connection this lock opened; a passed-in `database` stays open. */
  async close(): Promise<void> {
    this.connection.close();
  }
}
