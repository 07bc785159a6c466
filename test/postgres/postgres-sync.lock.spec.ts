import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { PostgresSyncLock } from '../../lib/backends/postgres/index.js';
import { POSTGRES_URL, postgresSkip } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import { backendsNamed, usePostgres } from './postgres-test.helper.js';

const skip = await postgresSkip();

describe('PostgresSyncLock', { skip }, () => {
  const db = usePostgres();
  const key = () => `lease-${randomUUID()}`;

  it('computes expiry on the database clock and reports the time left', async () => {
    const lock = new PostgresSyncLock({ pool: db.pool, schema: db.schema });
    const name = key();
    const lease = await lock.acquire(name, 'a', 5_000);
    assert.ok(lease);
    const current = await lock.current(name);
    assert.equal(current?.holder, 'a');
    assert.ok(
      current?.ttlLeft !== undefined && current.ttlLeft > 4_000 && current.ttlLeft <= 5_000,
      `ttlLeft ${current?.ttlLeft}`,
    );
    const { rows } = await db.pool.query(
      `SELECT expires_at > clock_timestamp() + interval '4 seconds' AS later FROM "${db.schema}".sync_leases WHERE name = $1`,
      [name],
    );
    assert.equal(rows[0].later, true);
    await lock.close();
  });

  it('keeps the fence through release (the row is expired, not deleted)', async () => {
    const lock = new PostgresSyncLock({ pool: db.pool, schema: db.schema });
    const name = key();
    const first = await lock.acquire(name, 'a', 5_000);
    assert.ok(first);
    assert.equal(await lock.release(first), true);
    assert.equal(await lock.release(first), false, 'a second release finds nothing held');
    const second = await lock.acquire(name, 'b', 5_000);
    assert.equal(second?.fence, first.fence + 1);
    await lock.close();
  });

  it('uses its own table name, quoted, and shows its DDL', async () => {
    const lock = new PostgresSyncLock({ pool: db.pool, schema: db.schema, table: 'Leader_Leases' });
    assert.ok(await lock.acquire(key(), 'a', 1_000));
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = $2',
      [db.schema, 'Leader_Leases'],
    );
    assert.equal(rows[0].n, 1);
    assert.match(PostgresSyncLock.schemaSql({ schema: 'app' }), /CREATE TABLE IF NOT EXISTS "app"\."sync_leases"/);
    await lock.close();
  });

  it('never ends a pool passed in; ends the pool it created', async () => {
    const passed = new PostgresSyncLock({ pool: db.pool, schema: db.schema });
    await passed.connect();
    await passed.close();
    assert.equal(db.pool.ended, false);
    assert.equal((await db.pool.query('SELECT 1 AS one')).rows[0].one, 1);

    const schema = db.freshSchema();
    const owned = new PostgresSyncLock({ connectionString: POSTGRES_URL, schema });
    await owned.connect();
    assert.ok((await backendsNamed(db.pool, `nestjs-version-sync:${schema}`)).length > 0);
    await owned.close();
    await waitFor(
      async () => (await backendsNamed(db.pool, `nestjs-version-sync:${schema}`)).length === 0,
      3_000,
      'pool ended',
    );
  });
});
