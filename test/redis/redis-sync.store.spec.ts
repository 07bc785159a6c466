import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { RedisSyncStore } from '../../lib/backends/redis/index.js';
import type { SyncSerializer } from '../../lib/backend/sync-serializer.interface.js';
import type { SyncRecord, SyncStoreEvent } from '../../lib/backend/sync-store.interface.js';
import { InvalidSyncOptionsError, SyncStoreFormatError } from '../../lib/backend/index.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import { deleteKeys, listKeys, testPrefix } from './redis-test.util.js';

const skip = await redisSkip();

function record(tag: string, version: SyncRecord['version'], data: unknown = { version }, fence = 1): SyncRecord {
  return { tag, version, data, modifiedAt: 1_700_000_000_123, checkedAt: 1_700_000_000_456, fence };
}

/** The next event `store` delivers on `namespace` after `act` runs. */
async function nextEvent(
  store: RedisSyncStore,
  namespace: string,
  act: () => Promise<unknown>,
): Promise<SyncStoreEvent> {
  let resolve!: (event: SyncStoreEvent) => void;
  const got = new Promise<SyncStoreEvent>((r) => (resolve = r));
  const subscription = await store.subscribe(namespace, resolve);
  await act();
  const event = await got;
  await subscription.unsubscribe();
  return event;
}

describe('RedisSyncStore', { skip }, () => {
  const keyPrefix = testPrefix();
  const ns = () => `ns-${randomUUID()}`;
  let store: RedisSyncStore;
  let admin: Redis;

  before(() => {
    store = new RedisSyncStore({ url: REDIS_URL, keyPrefix });
    admin = new Redis(REDIS_URL);
  });
  after(async () => {
    await store?.close();
    await admin?.quit();
    await deleteKeys(REDIS_URL, keyPrefix);
  });

  it('keeps the type of every version through write, read, heads and the change event', async () => {
    const space = ns();
    const versions: SyncRecord['version'][] = [5, '5', 0, '0', -1.5, 0.1, 2 ** 53 - 1, 1e21, 'v:1', ''];
    for (const [i, version] of versions.entries()) {
      const event = await nextEvent(store, space, () => store.write(space, record(`t${i}`, version)));
      assert.equal(event.type === 'change' && event.version, version, `event of ${String(version)}`);
      assert.equal((await store.read(space, `t${i}`))?.version, version, `read of ${String(version)}`);
    }
    const heads = await store.heads(space);
    for (const [i, version] of versions.entries()) assert.equal(heads.get(`t${i}`)?.version, version);
  });

  it('round-trips nested JSON data and keeps the times, fence and revision', async () => {
    const space = ns();
    const data = { a: [1, 'two', { three: [true, null, { four: 4.5 }] }], ünï: '日本 ✓', empty: {}, list: [] };
    const result = await store.write(space, record('t', 'v1', data, 3));
    assert.ok(result.accepted);
    const read = await store.read(space, 't');
    assert.deepEqual(read, { ...record('t', 'v1', data, 3), revision: result.revision });
  });

  it('uses a custom serializer, binary-safe, for writes and reads', async () => {
    const calls = { encode: 0, decode: 0 };
    const gzipJson: SyncSerializer = {
      encode: (data) => (calls.encode++, gzipSync(JSON.stringify(data))),
      decode: (raw) => (calls.decode++, JSON.parse(gunzipSync(raw).toString('utf8'))),
    };
    const custom = new RedisSyncStore({ url: REDIS_URL, keyPrefix, serializer: gzipJson });
    try {
      const space = ns();
      const data = { rows: Array.from({ length: 50 }, (_, i) => ({ i, name: `row ${i}` })) };
      await custom.write(space, record('t', 1, data));
      assert.deepEqual((await custom.read(space, 't'))?.data, data);
      assert.deepEqual(calls, { encode: 1, decode: 1 });
      const raw = await admin.hgetBuffer(`${keyPrefix}:{${keyPrefix}:${space}}:record:t`, 'data');
      assert.deepEqual(
        raw && JSON.parse(gunzipSync(raw).toString('utf8')),
        data,
        'stored as the serializer encoded it',
      );
    } finally {
      await custom.close();
    }
  });

  it('refuses data the default JSON cannot hold with a SyncStoreFormatError, and writes nothing', async () => {
    const space = ns();
    for (const data of [undefined, () => 1, 10n]) {
      await assert.rejects(store.write(space, { ...record('t', 1), data }), SyncStoreFormatError);
    }
    assert.equal(await store.read(space, 't'), undefined);
    assert.equal(await store.revision(space), 0);
  });

  it('refuses a serializer without encode/decode, naming the value', () => {
    assert.throws(
      () => new RedisSyncStore({ url: REDIS_URL, serializer: { encode: JSON.stringify } as unknown as SyncSerializer }),
      (error: unknown) =>
        error instanceof InvalidSyncOptionsError && error.option === 'serializer' && /encode/.test(error.message),
    );
  });

  it('accepts tags with colons, braces and any character, kept out of the hash tag', async () => {
    const space = ns();
    const tags = ['a:b:c', '{x}', 'spa ce', 'ünï'];
    for (const tag of tags) await store.write(space, record(tag, tag));
    for (const tag of tags) assert.equal((await store.read(space, tag))?.version, tag);
    assert.deepEqual([...(await store.heads(space)).keys()].sort(), [...tags].sort());
  });

  it('rejects a namespace that would break the hash tag, and an empty tag', async () => {
    await assert.rejects(store.read('a{b', 't'), (error: unknown) => {
      assert.ok(error instanceof InvalidSyncOptionsError);
      assert.match(error.message, /'a\{b'/);
      return true;
    });
    await assert.rejects(store.read(ns(), ''), InvalidSyncOptionsError);
  });

  it('starts revisions and fences from the server clock, so they keep growing after a reset that lost the counters', async () => {
    const space = ns();
    const before = Date.now() * 1_000;
    const first = await store.write(space, record('t', 1));
    assert.ok(
      first.accepted && first.revision > before,
      `revision ${first.accepted && first.revision} below the clock (${before} µs)`,
    );
    const admin = new Redis(REDIS_URL);
    try {
      const keys = await listKeys(admin, keyPrefix);
      await admin.del(...keys.filter((key) => key.includes(space)));
    } finally {
      admin.disconnect();
    }
    const again = await store.write(space, record('t', 2));
    assert.ok(
      first.accepted && again.accepted && again.revision > first.revision,
      'a new write after the reset has a newer revision',
    );
  });

  it('works through a client that has an ioredis keyPrefix of its own', async () => {
    const client = new Redis(REDIS_URL, { keyPrefix: `${keyPrefix}:outer:` });
    const prefixed = new RedisSyncStore({ client, keyPrefix });
    try {
      const space = ns();
      const event = await nextEvent(prefixed, space, () => prefixed.write(space, record('t', 7)));
      assert.equal(event.type, 'change');
      assert.equal((await prefixed.read(space, 't'))?.version, 7);
      assert.equal((await prefixed.heads(space)).get('t')?.version, 7);
      assert.equal(await prefixed.revision(space), event.type === 'change' && event.revision);
    } finally {
      await prefixed.close();
      await client.quit();
    }
  });

  it('works through a client with the RESP3 reply mapping and through a RESP2 one', async () => {
    for (const options of [{ replyMapping: 'resp3' as const }, { protocol: 2 as const }]) {
      const client = new Redis(REDIS_URL, options);
      const other = new RedisSyncStore({ client, keyPrefix });
      try {
        const space = ns();
        const result = await other.write(space, record('t', 5, { nested: [1] }));
        assert.deepEqual(await other.read(space, 't'), {
          ...record('t', 5, { nested: [1] }),
          revision: result.accepted && result.revision,
        });
        assert.equal((await other.heads(space)).get('t')?.version, 5);
      } finally {
        await other.close();
        await client.quit();
      }
    }
  });

  it('drops messages on its channel that are not events, and keeps delivering', async () => {
    const space = ns();
    const event = await nextEvent(store, space, async () => {
      await admin.publish(`${keyPrefix}:{${keyPrefix}:${space}}:events`, 'not json');
      await store.publish(space, { type: 'released', holder: 'h' });
    });
    assert.deepEqual(event, { type: 'released', holder: 'h' });
  });

  it('keeps delivering to the other listeners of a channel when one unsubscribes or throws', async () => {
    const space = ns();
    const seen: string[] = [];
    const first = await store.subscribe(space, () => {
      throw new Error('listener bug');
    });
    const second = await store.subscribe(space, (event) => seen.push(event.type));
    const warned = new Promise((resolve) => process.once('warning', resolve));
    const event = await nextEvent(store, space, () => store.write(space, record('t', 1)));
    assert.equal(event.type, 'change');
    assert.match(String(await warned), /listener bug/);
    await first.unsubscribe();
    await first.unsubscribe();
    await store.write(space, record('t', 2));
    await waitFor(() => seen.length >= 2, 2_000, 'the second change', { every: 10 });
    assert.deepEqual(seen, ['change', 'change']);
    await second.unsubscribe();
  });
});
