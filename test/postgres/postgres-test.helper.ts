import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import pg from 'pg';
import type { Pool } from 'pg';
import type { SyncStore, SyncStoreEvent } from '../../lib/backend/sync-store.interface.js';
import { POSTGRES_URL } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/** A schema of its own for one spec file, and a pool to the test database. */
export interface PostgresTestContext {
  /** Random schema name, dropped (CASCADE) after the file. */
  readonly schema: string;
  /** A pool owned by the test, passed to backends as a user's pool would be. */
  readonly pool: Pool;
  /** A fresh random schema name, also dropped after the file. */
  freshSchema(): string;
}

/**
 * Registers `before`/`after` hooks in the calling `describe`: a pool, a random
 * schema, and at the end a DROP of every schema handed out (never another one).
 */
export function usePostgres(): PostgresTestContext {
  const schemas: string[] = [];
  const freshSchema = () => {
    const schema = `vsync_test_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const context = { schema: freshSchema(), pool: undefined as unknown as Pool, freshSchema };
  before(() => {
    context.pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  });
  after(async () => {
    for (const schema of schemas) await context.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await context.pool.end();
  });
  return context;
}

/** Collects a namespace's events; `next(accept)` waits for the first (already seen or coming) that `accept` takes. */
export async function collect(store: SyncStore, namespace: string) {
  const seen: SyncStoreEvent[] = [];
  const subscription = await store.subscribe(namespace, (event) => seen.push(event));
  return {
    seen,
    unsubscribe: () => subscription.unsubscribe(),
    next: (accept: (event: SyncStoreEvent) => boolean, ms = 3_000) =>
      waitFor(() => seen.find(accept), ms, `an event on ${namespace}`),
  };
}

/** Backend pids of connections whose application_name is `name`. */
export async function backendsNamed(pool: Pool, name: string): Promise<{ pid: number; query: string }[]> {
  const { rows } = await pool.query<{ pid: number; query: string }>(
    'SELECT pid, query FROM pg_stat_activity WHERE application_name = $1',
    [name],
  );
  return rows;
}

/** Drops `schema` and everything in it, on a connection of its own: the cleanup of a spec file. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
