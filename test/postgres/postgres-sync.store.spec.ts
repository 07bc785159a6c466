import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import type { SyncRecord } from '../../lib/backend/sync-store.interface.js';
import { SyncConnectionError, SyncStoreFormatError } from '../../lib/backend/index.js';
import { POSTGRES_URL, postgresSkip } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import { backendsNamed, collect, usePostgres } from './postgres-test.helper.js';

const skip = await postgresSkip();

function record(tag: string, version: SyncRecord['version'], fence: number, data: unknown = { version }): SyncRecord {
  return { tag, version, data, modifiedAt: Date.now(), checkedAt: Date.now(), fence };
}

describe('PostgresSyncStore', { skip }, () => {
  const db = usePostgres();
  const ns = () => `ns-${randomUUID()}`;
  const stores: PostgresSyncStore[] = [];
  const open = (options: Partial<ConstructorParameters<typeof PostgresSyncStore>[0]> = {}) => {
    const store = new PostgresSyncStore({ pool: db.pool, schema: db.schema, ...options });
    stores.push(store);
    return store;
  };
  after(() => Promise.all(stores.map((store) => store.close())));

  it('keeps each version type and round-trips nested JSON', async () => {
    const store = open();
    const space = ns();
    const data = {
      a: [1, 2.5, -3e-7, 'x', null, true, { deep: { deeper: [[{ z: 'é😀' }]] } }],
      nul: 'a\u0000b',
      empty: {},
    };
    const versions: SyncRecord['version'][] = [0, -1, 1.5, 2 ** 53 - 1, '', '0', '007', 'v"\'\\'];
    for (const [i, version] of versions.entries()) await store.write(space, record(`t${i}`, version, 1, data));
    for (const [i, version] of versions.entries()) {
      const got = await store.read(space, `t${i}`);
      assert.equal(got?.version, version, `version ${String(version)}`);
      assert.deepEqual(got?.data, data);
    }
    const heads = await store.heads(space);
    assert.equal(heads.get('t1')?.version, -1);
    assert.equal(heads.get('t6')?.version, '007');
  });

  it('stores data as readable jsonb by default, and as bytea with a custom serializer', async () => {
    const serializer = {
      encode: (d: unknown) => gzipSync(JSON.stringify(d)),
      decode: (raw: Buffer) => JSON.parse(gunzipSync(raw).toString()),
    };
    const binary = open({ serializer });
    const space = ns();
    const data = { list: Array.from({ length: 50 }, (_, i) => ({ i, name: `item ${i}` })) };
    await open().write(space, record('json', 1, 1, data));
    await binary.write(space, record('gzip', 2, 1, data));
    assert.deepEqual((await binary.read(space, 'gzip'))?.data, data);
    const { rows } = await db.pool.query(
      `SELECT tag, data->'list'->1->>'name' AS name, data_bytes FROM "${db.schema}".sync_snapshots WHERE namespace = $1 ORDER BY tag`,
      [space],
    );
    assert.equal(rows[0].tag, 'gzip');
    assert.deepEqual([...rows[0].data_bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip bytes stored as is');
    assert.equal(rows[1].name, 'item 1', 'default data is queryable jsonb');
  });

  it('refuses data the default JSON cannot hold with a SyncStoreFormatError, and writes nothing', async () => {
    const store = open();
    const space = ns();
    for (const data of [undefined, () => 1, 10n]) {
      await assert.rejects(store.write(space, { ...record('t', 1, 1), data }), SyncStoreFormatError);
    }
    assert.equal(await store.read(space, 't'), undefined);
    assert.equal(await store.revision(space), 0);
  });

  it('keeps fences in order under concurrent writers, also on a tag not written yet', async () => {
    const store = open();
    const space = ns();
    const fences = Array.from({ length: 40 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const results = await Promise.all(
      fences.map(async (fence) => ({ fence, result: await store.write(space, record('t', fence, fence)) })),
    );
    const accepted = results.flatMap(({ fence, result }) =>
      result.accepted ? [{ fence, revision: result.revision }] : [],
    );
    accepted.sort((a, b) => a.revision - b.revision);
    for (let i = 1; i < accepted.length; i++)
      assert.ok(accepted[i].fence >= accepted[i - 1].fence, JSON.stringify(accepted));
    for (const { fence, result } of results)
      if (!result.accepted) assert.ok(result.fence > fence, `refused ${fence} with ${result.fence}`);
    const stored = await store.read(space, 't');
    assert.equal(stored?.fence, 40);
    assert.equal(stored?.version, 40);
    assert.equal(stored?.revision, accepted.at(-1)?.revision);
  });

  it('sends no change event for a refused write', async () => {
    const store = open();
    const space = ns();
    const events = await collect(store, space);
    const first = await store.write(space, record('t', 'v1', 5));
    assert.deepEqual(await store.write(space, record('t', 'v2', 4)), { accepted: false, fence: 5 });
    const third = await store.write(space, record('t', 'v3', 5));
    assert.ok(first.accepted && third.accepted);
    await events.next((e) => e.type === 'change' && e.version === 'v3');
    await sleep(100);
    assert.deepEqual(
      events.seen.map((e) => e.type === 'change' && [e.tag, e.version, e.revision, e.record?.version]),
      [
        ['t', 'v1', first.revision, 'v1'],
        ['t', 'v3', third.revision, 'v3'],
      ],
    );
    await events.unsubscribe();
  });

  it('delivers events across stores, also for a namespace too long for a channel name', async () => {
    const space = `${'n'.repeat(80)}-ü-${randomUUID()}`;
    const follower = await collect(open(), space);
    const other = await collect(open(), ns());
    const result = await open().write(space, record('t', 7, 1));
    assert.ok(result.accepted);
    await follower.next((e) => e.type === 'change' && e.revision === result.revision);
    await sleep(100);
    assert.deepEqual(other.seen, [], 'other namespaces hear nothing');
    await Promise.all([follower.unsubscribe(), other.unsubscribe()]);
  });

  it('reconnects its LISTEN connection by itself after pg_terminate_backend, keeping every subscription', async () => {
    const schema = db.freshSchema();
    const store = open({ schema });
    const space = ns();
    const events = await collect(store, space);
    const name = `nestjs-version-sync:listen:${schema}`;
    const [listener] = await backendsNamed(db.pool, name);
    assert.ok(listener, 'the LISTEN connection shows in pg_stat_activity');
    await db.pool.query('SELECT pg_terminate_backend($1)', [listener.pid]);
    await waitFor(async () => (await backendsNamed(db.pool, name)).length === 0, 3_000, 'the old connection gone');
    const laterSpace = ns();
    const later = await collect(store, laterSpace);
    await waitFor(
      async () =>
        (await backendsNamed(db.pool, name)).find((b) => b.pid !== listener.pid && b.query.startsWith('LISTEN')),
      10_000,
      'a new LISTEN connection',
    );
    const result = await store.write(space, record('t', 'after', 1));
    assert.ok(result.accepted);
    await events.next((e) => e.type === 'change' && e.revision === result.revision);
    const laterResult = await store.write(laterSpace, record('t', 'later', 1));
    assert.ok(laterResult.accepted);
    await later.next((e) => e.type === 'change' && e.revision === laterResult.revision);
    await Promise.all([events.unsubscribe(), later.unsubscribe()]);
  });

  it('creates its tables once even when many processes start together', async () => {
    const schema = db.freshSchema();
    const many = Array.from({ length: 6 }, () => open({ schema }));
    await Promise.all(many.map((store) => store.connect()));
    assert.equal((await many[0].write('n', record('t', 1, 1))).accepted, true);
  });

  it('with autoCreate: false, connect() says how to create the tables, then works once they exist', async () => {
    const schema = db.freshSchema();
    const store = open({ schema, autoCreate: false, table: 'flags', revisionTable: 'flag_revisions' });
    await assert.rejects(store.connect(), (error: Error) => {
      assert.ok(error instanceof SyncConnectionError);
      assert.match(error.message, new RegExp(`"${schema}"\\."flags".*autoCreate is false.*schemaSql`));
      return true;
    });
    await db.pool.query(PostgresSyncStore.schemaSql({ schema, table: 'flags', revisionTable: 'flag_revisions' }));
    await store.connect();
    assert.equal((await store.write('n', record('t', 1, 1))).accepted, true);
  });

  it('settles in bounded time when a statement cannot proceed', async () => {
    const store = open({ queryTimeout: 300 });
    await store.connect();
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${db.schema}".sync_snapshots IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      await assert.rejects(store.read('n', 't'), SyncConnectionError);
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
  });

  it('never ends a pool passed in; ends the pool and the LISTEN connection it created', async () => {
    const passed = open();
    await collect(passed, ns());
    await passed.close();
    assert.equal(db.pool.ended, false);
    assert.equal((await db.pool.query('SELECT 1 AS one')).rows[0].one, 1);

    const schema = db.freshSchema();
    const owned = new PostgresSyncStore({ connectionString: POSTGRES_URL, schema });
    await owned.connect();
    await collect(owned, ns());
    assert.ok((await backendsNamed(db.pool, `nestjs-version-sync:${schema}`)).length > 0);
    await owned.close();
    await waitFor(
      async () => (await backendsNamed(db.pool, `nestjs-version-sync:${schema}`)).length === 0,
      3_000,
      'pool ended',
    );
    await waitFor(
      async () => (await backendsNamed(db.pool, `nestjs-version-sync:listen:${schema}`)).length === 0,
      3_000,
      'LISTEN closed',
    );
  });
});
