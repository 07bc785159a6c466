import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import type { PostgresConnection } from './postgres-connection.js';
import { qualifiedName, quoteIdentifier, validateIdentifier } from './postgres-identifiers.js';
import { PostgresSchemaGuard } from './postgres.schema.js';

/** Default name of the heartbeat table (option `instanceTable` of `PostgresSyncStore`). */
const DEFAULT_TABLE = 'sync_instances';

/** The DDL of the heartbeat table: what `autoCreate` runs on first use, to run by hand with `autoCreate: false`. */
export function postgresHeartbeatSchemaSql(schema: string, table = DEFAULT_TABLE): string {
  // The schema as the store's own DDL makes it: a beat may come before the store's first statement.
  const createSchema = schema === 'public' ? '' : `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)};\n`;
  return `${createSchema}CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, table)} (
  namespace  text        NOT NULL,
  instance   text        NOT NULL,
  beat       jsonb       NOT NULL,      -- versions and metadata, never data
  expires_at timestamptz NOT NULL,      -- on the database clock
  PRIMARY KEY (namespace, instance)
);`;
}

/**
 * Heartbeats of `PostgresSyncStore`: one row per live process, upserted once per beat with
 * an expiry on the database clock (so skewed hosts agree), renewed with one UPDATE, read with
 * one SELECT. Each beat also deletes the namespace's expired rows (processes that died without
 * leaving). The table has its own schema guard: it is created on the first beat, not by the
 * store's `connect()`.
 */
export class PostgresHeartbeats {
  private readonly guard: PostgresSchemaGuard;
  private readonly sql: { beat: string; renew: string; instances: string; leave: string };

  constructor(
    private readonly connection: PostgresConnection,
    owner: string,
    instanceTable: unknown,
  ) {
    const table = validateIdentifier(owner, 'instanceTable', instanceTable, DEFAULT_TABLE);
    const name = qualifiedName(connection.schema, table);
    this.guard = new PostgresSchemaGuard(connection, [table], postgresHeartbeatSchemaSql(connection.schema, table));
    this.sql = {
      beat: `WITH expired AS (
  DELETE FROM ${name} WHERE namespace = $1::text AND instance <> $2::text AND expires_at < now()
)
INSERT INTO ${name} (namespace, instance, beat, expires_at)
VALUES ($1::text, $2::text, $3::jsonb, now() + $4::bigint * interval '1 millisecond')
ON CONFLICT (namespace, instance) DO UPDATE SET beat = EXCLUDED.beat, expires_at = EXCLUDED.expires_at`,
      // Only a live row: an expired one stays out of the fleet until a full beat replaces it.
      renew: `UPDATE ${name} SET expires_at = now() + $3::bigint * interval '1 millisecond'
WHERE namespace = $1::text AND instance = $2::text AND expires_at > now()`,
      instances: `SELECT beat::text AS beat FROM ${name} WHERE namespace = $1::text AND expires_at > now()`,
      leave: `DELETE FROM ${name} WHERE namespace = $1::text AND instance = $2::text`,
    };
  }

  async beat(namespace: string, beat: SyncHeartbeat, ttlMs: number): Promise<void> {
    await this.guard.ensure();
    const ttl = Math.max(1, Math.round(ttlMs));
    await this.connection.query('write a heartbeat', this.sql.beat, [
      namespace,
      beat.instance,
      JSON.stringify(beat),
      ttl,
    ]);
  }

  async renew(namespace: string, instance: string, ttlMs: number): Promise<boolean> {
    await this.guard.ensure();
    const ttl = Math.max(1, Math.round(ttlMs));
    const { rowCount } = await this.connection.query('renew a heartbeat', this.sql.renew, [namespace, instance, ttl]);
    return rowCount === 1;
  }

  async instances(namespace: string): Promise<SyncHeartbeat[]> {
    await this.guard.ensure();
    const { rows } = await this.connection.query<{ beat: string }>('read the heartbeats', this.sql.instances, [
      namespace,
    ]);
    return rows.map((row) => JSON.parse(row.beat) as SyncHeartbeat);
  }

  async leave(namespace: string, instance: string): Promise<void> {
    await this.guard.ensure();
    await this.connection.query('remove a heartbeat', this.sql.leave, [namespace, instance]);
  }
}
