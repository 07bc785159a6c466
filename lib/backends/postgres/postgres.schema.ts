import { SyncConnectionError } from '../../backend/index.js';
import type { PostgresConnection } from './postgres-connection.js';
import { qualifiedName, quoteIdentifier } from './postgres-identifiers.js';
import { POSTGRES_NO_TABLES } from './postgres.messages.js';

/** Names of the store's tables. */
export interface PostgresStoreTables {
  schema: string;
  /** One row per (namespace, tag): the snapshot. */
  table: string;
  /** One row per namespace: its change counter. */
  revisionTable: string;
}

/** Names of the lock's table. */
export interface PostgresLockTables {
  schema: string;
  /** One row per lease name. */
  table: string;
}

/**
 * Key of the session advisory lock taken around the DDL: concurrent
 * `CREATE … IF NOT EXISTS` from several processes can still collide on the
 * catalogs (a unique violation on pg_namespace or pg_type), so they take turns.
 * ('vsync' in ASCII.)
 */
const DDL_LOCK_KEY = 0x7673796e63;

function createSchema(schema: string): string[] {
  // CREATE SCHEMA needs the CREATE privilege on the database even when the schema exists.
  return schema === 'public' ? [] : [`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)};`];
}

/** The DDL of `PostgresSyncStore`: what `autoCreate` runs, to run by hand with `autoCreate: false`. */
export function postgresStoreSchemaSql({ schema, table, revisionTable }: PostgresStoreTables): string {
  return [
    ...createSchema(schema),
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, table)} (
  namespace   text   NOT NULL,
  tag         text   NOT NULL,
  version     jsonb  NOT NULL CHECK (jsonb_typeof(version) IN ('number', 'string')), -- 5 and '5' stay apart
  data        jsonb,                      -- with the default JSON serializer
  data_bytes  bytea,                      -- with a custom serializer
  modified_at bigint NOT NULL,            -- epoch ms
  checked_at  bigint NOT NULL,            -- epoch ms
  fence       bigint NOT NULL,            -- highest fencing token accepted for this tag
  revision    bigint NOT NULL,            -- namespace revision of the last accepted write
  PRIMARY KEY (namespace, tag),
  CHECK ((data IS NULL) <> (data_bytes IS NULL))
);`,
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, revisionTable)} (
  namespace text   PRIMARY KEY,
  revision  bigint NOT NULL               -- +1 per accepted write in the namespace
);`,
  ].join('\n');
}

/** The DDL of `PostgresSyncLock`: what `autoCreate` runs, to run by hand with `autoCreate: false`. */
export function postgresLockSchemaSql({ schema, table }: PostgresLockTables): string {
  return [
    ...createSchema(schema),
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, table)} (
  name       text        PRIMARY KEY,
  holder     text        NOT NULL,
  fence      bigint      NOT NULL,        -- fencing token: +1 per acquisition, never reset
  expires_at timestamptz NOT NULL         -- on the database clock
);`,
  ].join('\n');
}

/**
 * Makes sure a backend's tables exist, once: the first `connect()` or call
 * runs it, later ones reuse the result; a failure is not cached, so the next
 * call tries again. When the tables are there, it is one cheap SELECT and no
 * DDL (no locks, no privileges needed).
 */
export class PostgresSchemaGuard {
  private ready?: Promise<void>;

  constructor(
    private readonly connection: PostgresConnection,
    /** Tables the backend needs, unquoted. */
    private readonly tables: readonly string[],
    private readonly ddl: string,
  ) {}

  ensure(): Promise<void> {
    this.ready ??= this.check().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async check(): Promise<void> {
    const { connection, tables } = this;
    const names = tables.map((table) => qualifiedName(connection.schema, table));
    const probes = names.map((_, i) => `to_regclass($${i + 1}) IS NOT NULL`).join(' AND ');
    const { rows } = await connection.query<{ ready: boolean }>(
      'reach the database',
      `SELECT ${probes} AS ready`,
      names,
    );
    if (rows[0]?.ready) return;
    if (!connection.autoCreate) {
      throw new SyncConnectionError(POSTGRES_NO_TABLES(connection.owner, names, connection.where));
    }
    // The DDL runs in its own transaction, begun only once the lock is held: a transaction that
    // waited for the lock could still see the catalogs as they were before the other creator committed.
    await connection.session('create its tables', async (run) => {
      await run(`SELECT pg_advisory_lock(${DDL_LOCK_KEY})`);
      await run(this.ddl);
      await run(`SELECT pg_advisory_unlock(${DDL_LOCK_KEY})`);
    });
  }
}
