import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncRecord, SyncStore, SyncStoreEvent } from '../backend/sync-store.interface.js';

/** Builds the store under test; called once per suite. */
export type SyncStoreFactory = () => SyncStore | Promise<SyncStore>;

function record(tag: string, version: SyncRecord['version'], fence: number, data: unknown = { version }): SyncRecord {
  const now = Date.now();
  return { tag, version, data, modifiedAt: now, checkedAt: now, fence };
}

/** Subscribes now; `next` resolves with the first event `accept` takes, or rejects after `ms`. */
async function listen(
  store: SyncStore,
  namespace: string,
  accept: (event: SyncStoreEvent) => boolean,
  ms = 2_000,
): Promise<{ next: Promise<SyncStoreEvent> }> {
  let resolve!: (event: SyncStoreEvent) => void;
  const got = new Promise<SyncStoreEvent>((r) => (resolve = r));
  const subscription = await store.subscribe(namespace, (event) => accept(event) && resolve(event));
  const timer = new AbortController();
  const timeout = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`no matching event on ${namespace} within ${ms} ms`);
  });
  timeout.catch(() => undefined);
  const next = Promise.race([got, timeout]).finally(() => {
    timer.abort();
    return subscription.unsubscribe();
  });
  return { next };
}

/**
 * The contract every `SyncStore` must keep, as a `node:test` suite (the model is
 * ShedLock's AbstractLockProviderIntegrationTest). Every test uses a fresh
 * namespace, so a suite can run against a shared server.
 *
 * @example describeSyncStoreContract('MemorySyncStore', () => new MemorySyncStore());
 */
export function describeSyncStoreContract(name: string, factory: SyncStoreFactory): void {
  describe(`SyncStore contract: ${name}`, () => {
    let store: SyncStore;
    const ns = () => `contract-${randomUUID()}`;

    before(async () => {
      store = await factory();
    });
    after(async () => {
      await store?.close();
    });

    it('reads undefined for a tag never written', async () => {
      assert.equal(await store.read(ns(), 'missing'), undefined);
    });

    it('round-trips a record and keeps the version type (5 stays a number, "5" a string)', async () => {
      const space = ns();
      const data = { list: [1, 'two', { three: true }], nested: { n: null } };
      assert.equal((await store.write(space, record('num', 5, 1, data))).accepted, true);
      assert.equal((await store.write(space, record('str', '5', 1))).accepted, true);
      const num = await store.read(space, 'num');
      const str = await store.read(space, 'str');
      assert.equal(num?.version, 5);
      assert.equal(str?.version, '5');
      assert.deepEqual(num?.data, data);
      assert.equal(num?.fence, 1);
      assert.equal(typeof num?.modifiedAt, 'number');
      assert.equal(typeof num?.checkedAt, 'number');
    });

    it('gives each accepted write a namespace revision that only grows', async () => {
      const space = ns();
      const start = await store.revision(space);
      const revisions: number[] = [];
      for (const [i, tag] of ['a', 'b', 'a', 'c'].entries()) {
        const result = await store.write(space, record(tag, i, 1));
        assert.equal(result.accepted, true);
        if (result.accepted) revisions.push(result.revision);
      }
      for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i] > revisions[i - 1], `${revisions}`);
      assert.ok(revisions[0] > start);
      assert.equal(await store.revision(space), revisions.at(-1));
      assert.equal((await store.read(space, 'a'))?.revision, revisions[2]);
    });

    it('refuses a write whose fence is older than the stored one, and keeps the record', async () => {
      const space = ns();
      await store.write(space, record('t', 'v2', 7));
      const refused = await store.write(space, record('t', 'v1', 6));
      assert.deepEqual(refused, { accepted: false, fence: 7 });
      assert.equal((await store.read(space, 't'))?.version, 'v2');
      assert.equal((await store.write(space, record('t', 'v3', 7))).accepted, true, 'same fence accepted');
      assert.equal((await store.write(space, record('t', 'v4', 8))).accepted, true, 'newer fence accepted');
      assert.equal((await store.read(space, 't'))?.version, 'v4');
    });

    it('touch sets checkedAt and raises the fence; a stale touch is refused', async () => {
      const space = ns();
      await store.write(space, { ...record('t', 1, 3), checkedAt: 1_000 });
      const revision = await store.revision(space);
      assert.equal(await store.touch(space, 't', 1, 2_000, 5), 'touched');
      const touched = await store.read(space, 't');
      assert.equal(touched?.checkedAt, 2_000);
      assert.equal(touched?.fence, 5);
      assert.equal(touched?.version, 1);
      assert.equal(await store.revision(space), revision, 'a touch is not a change');
      assert.equal(await store.touch(space, 't', 1, 3_000, 4), 'fenced');
      assert.equal((await store.read(space, 't'))?.checkedAt, 2_000);
      assert.equal((await store.write(space, record('t', 2, 4))).accepted, false, 'fence raised by touch protects');
    });

    it('touch reports a missing record, or one holding another version or type, as absent and changes nothing', async () => {
      const space = ns();
      assert.equal(await store.touch(space, 'never-written', 1, 1, 1), 'absent');
      assert.equal(await store.read(space, 'never-written'), undefined);
      await store.write(space, { ...record('t', 5, 3), checkedAt: 1_000 });
      assert.equal(await store.touch(space, 't', 6, 2_000, 3), 'absent', 'another version');
      assert.equal(await store.touch(space, 't', '5', 2_000, 3), 'absent', '"5" is not 5');
      const unchanged = await store.read(space, 't');
      assert.equal(unchanged?.checkedAt, 1_000);
      assert.equal(unchanged?.fence, 3);
      const text = ns();
      await store.write(text, record('t', '5', 1));
      assert.equal(await store.touch(text, 't', 5, 2_000, 1), 'absent', '5 is not "5"');
      assert.equal(await store.touch(text, 't', '5', 2_000, 1), 'touched');
    });

    it('lists every head of a namespace in one call, without data', async () => {
      const space = ns();
      await store.write(space, record('a', 1, 1));
      await store.write(space, record('b', 'x', 2));
      const heads = await store.heads(space);
      assert.deepEqual([...heads.keys()].sort(), ['a', 'b']);
      assert.equal(heads.get('a')?.version, 1);
      assert.equal(heads.get('b')?.version, 'x');
      assert.equal(heads.get('b')?.fence, 2);
      assert.equal(typeof heads.get('b')?.revision, 'number');
      assert.equal('data' in (heads.get('a') ?? {}), false);
      assert.equal((await store.heads(ns())).size, 0);
    });

    it("never returns a version paired with another version's data", async () => {
      const space = ns();
      let writing = true;
      let reads = 0;
      const writer = (async () => {
        for (let i = 0; i < 200; i++) await store.write(space, record('t', i, 1, { version: i, pad: 'x'.repeat(i) }));
        writing = false;
      })();
      while (writing) {
        const got = await store.read<{ version: number; pad: string }>(space, 't');
        if (got) {
          reads++;
          assert.equal(got.data.version, got.version);
          assert.equal(got.data.pad.length, got.version);
        }
      }
      await writer;
      assert.ok(reads > 0);
    });

    it('delivers change events for writes and published events to subscribers', async () => {
      const space = ns();
      const seen: SyncStoreEvent[] = [];
      const subscription = await store.subscribe(space, (event) => seen.push(event));
      const change = await listen(store, space, (e) => e.type === 'change');
      const result = await store.write(space, record('t', 'v1', 1));
      const event = await change.next;
      assert.ok(result.accepted);
      assert.deepEqual(event, { type: 'change', tag: 't', version: 'v1', revision: result.revision });
      const refresh = await listen(store, space, (e) => e.type === 'refresh');
      await store.publish(space, { type: 'refresh', tag: 't', id: 'r1' });
      assert.deepEqual(await refresh.next, { type: 'refresh', tag: 't', id: 'r1' });
      await subscription.unsubscribe();
      const count = seen.length;
      assert.ok(count >= 2, `subscriber saw ${count} events`);
      await store.write(space, record('t', 'v2', 1));
      await sleep(200);
      assert.equal(seen.length, count, 'no events after unsubscribe');
    });

    it('keeps namespaces apart', async () => {
      const one = ns();
      const two = ns();
      await store.write(one, record('t', 'one', 9));
      assert.equal(await store.read(two, 't'), undefined);
      assert.equal((await store.write(two, record('t', 'two', 1))).accepted, true, 'fences are per namespace');
      assert.equal((await store.read(one, 't'))?.version, 'one');
    });
  });
}
