import { PostgresConnection } from './postgres-connection.js';
import type { PostgresConnectionOptions } from './postgres-connection.js';
import { qualifiedName, validateIdentifier } from './postgres-identifiers.js';
import { PostgresSchemaGuard, postgresLockSchemaSql } from './postgres.schema.js';
import type { PostgresLockTables } from './postgres.schema.js';
import type { SyncLease, SyncLeaseInfo, SyncLock } from '../../backend/index.js';
import { checkTtl } from '../shared/index.js';

const OWNER = 'PostgresSyncLock';

/** Options of `PostgresSyncLock`. */
export interface PostgresSyncLockOptions extends PostgresConnectionOptions {
  /** Table of the leases, one row per lease name (default `sync_leases`). */
  table?: string;
}

function tablesOf(options: Pick<PostgresSyncLockOptions, 'schema' | 'table'>): PostgresLockTables {
  return {
    schema: validateIdentifier(OWNER, 'schema', options.schema, 'public'),
    table: validateIdentifier(OWNER, 'table', options.table, 'sync_leases'),
  };
}

/**
 * A `SyncLock` in PostgreSQL: a lease row per name with its holder, a fencing
 * token and an expiry.
 *
 * Why a lease row and not a session advisory lock (`pg_try_advisory_lock`):
 * an advisory lock lives as long as the TCP session that took it, so a holder
 * whose connection died silently (a paused VM, a dropped network) keeps it
 * until the server notices through keepalives or timeouts, possibly minutes,
 * and it carries no fencing token to stop a paused ex-holder from writing.
 * A lease row expires on the database's clock after its TTL whatever happens
 * to the holder, and its `fence` grows by one with every acquisition, never
 * reset (release only expires the row), so stores can refuse stale writers.
 *
 * Expiry is computed and compared with the server's `clock_timestamp()`, so
 * clients' clocks never matter (`now()` would be the transaction start).
 * Acquire, renew and release are each one statement; renew and release act only
 * when both holder and fence match an unexpired lease.
 *
 * @example new PostgresSyncLock({ pool }) // or { connectionString: process.env.DATABASE_URL }
 */
export class PostgresSyncLock implements SyncLock {
  private readonly connection: PostgresConnection;
  private readonly schemaGuard: PostgresSchemaGuard;
  private readonly sql: { acquire: string; renew: string; release: string; current: string };

  /** The DDL this lock runs (when `autoCreate` is on), to run by hand or show in a migration. */
  static schemaSql(options: Pick<PostgresSyncLockOptions, 'schema' | 'table'> = {}): string {
    return postgresLockSchemaSql(tablesOf(options));
  }

  constructor(options: PostgresSyncLockOptions) {
    this.connection = new PostgresConnection(OWNER, options);
    const tables = tablesOf(options);
    this.schemaGuard = new PostgresSchemaGuard(this.connection, [tables.table], postgresLockSchemaSql(tables));
    const leases = qualifiedName(tables.schema, tables.table);
    const expiry = `clock_timestamp() + $3::float8 * interval '1 millisecond'`;
    this.sql = {
      // Inserts the first lease of a name, or takes over an expired one; a live lease makes the WHERE false: no row.
      acquire: `INSERT INTO ${leases} AS l (name, holder, fence, expires_at) VALUES ($1::text, $2::text, 1, ${expiry})
ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, fence = l.fence + 1, expires_at = ${expiry}
WHERE l.expires_at <= clock_timestamp()
RETURNING fence`,
      renew: `UPDATE ${leases} SET expires_at = clock_timestamp() + $4::float8 * interval '1 millisecond'
WHERE name = $1::text AND holder = $2::text AND fence = $3::bigint AND expires_at > clock_timestamp()`,
      // Expires the row instead of deleting it, so the fence of the name keeps growing.
      release: `UPDATE ${leases} SET expires_at = clock_timestamp()
WHERE name = $1::text AND holder = $2::text AND fence = $3::bigint AND expires_at > clock_timestamp()`,
      current: `SELECT holder, fence, extract(epoch FROM expires_at - c.now) * 1000 AS ttl_left
FROM ${leases}, LATERAL (SELECT clock_timestamp() AS now) AS c
WHERE name = $1::text AND expires_at > c.now`,
    };
  }

  /** Checks the database answers and creates the table if needed; rejects with a `SyncConnectionError`. */
  connect(): Promise<void> {
    return this.schemaGuard.ensure();
  }

  async acquire(name: string, holder: string, ttl: number): Promise<SyncLease | undefined> {
    const { rows } = await this.run<{ fence: string }>('acquire a lease', this.sql.acquire, [
      name,
      holder,
      checkTtl(OWNER, ttl),
    ]);
    return rows[0] && { name, holder, fence: Number(rows[0].fence) };
  }

  async renew(lease: SyncLease, ttl: number): Promise<boolean> {
    const { rowCount } = await this.run('renew a lease', this.sql.renew, [
      lease.name,
      lease.holder,
      lease.fence,
      checkTtl(OWNER, ttl),
    ]);
    return rowCount === 1;
  }

  async release(lease: SyncLease): Promise<boolean> {
    const { rowCount } = await this.run('release a lease', this.sql.release, [lease.name, lease.holder, lease.fence]);
    return rowCount === 1;
  }

  async current(name: string): Promise<SyncLeaseInfo | undefined> {
    const { rows } = await this.run<{ holder: string; fence: string; ttl_left: string }>(
      'read a lease',
      this.sql.current,
      [name],
    );
    const row = rows[0];
    return row && { holder: row.holder, fence: Number(row.fence), ttlLeft: Math.max(0, Number(row.ttl_left)) };
  }

  /** Closes the pool this lock created; a passed-in pool stays open. */
  close(): Promise<void> {
    return this.connection.close();
  }

  private async run<R extends object = object>(action: string, text: string, values: unknown[]) {
    await this.schemaGuard.ensure();
    return this.connection.query<R & Record<string, unknown>>(action, text, values);
  }
}
