import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncTouch } from '../backend/sync-store.interface.js';
import { MemorySyncStore } from '../backends/memory/memory-sync.store.js';
import type { SyncTerm } from './lease.keeper.js';
import { SyncTouchBatcher } from './touch.batcher.js';

function term(fence: number, valid = () => true, controller = new AbortController()): SyncTerm {
  return { lease: { name: 'ns', holder: 'me', fence }, signal: controller.signal, valid };
}

/** The memory store, counting the calls the batcher makes. */
class CountingStore extends MemorySyncStore {
  readonly batches: (readonly SyncTouch[])[] = [];
  touches = 0;
  override touchMany(namespace: string, touches: readonly SyncTouch[], fence: number) {
    this.batches.push([...touches]);
    return super.touchMany(namespace, touches, fence);
  }
  override touch(...args: Parameters<MemorySyncStore['touch']>) {
    this.touches++;
    return super.touch(...args);
  }
}

async function storeWith(tags: string[], fence = 1): Promise<CountingStore> {
  const store = new CountingStore();
  for (const tag of tags) await store.write('ns', { tag, version: 1, data: {}, modifiedAt: 1, checkedAt: 1, fence });
  return store;
}

describe('SyncTouchBatcher', () => {
  it('sends the touches of one event-loop turn in one touchMany call, each caller getting its own result', async () => {
    const store = await storeWith(['a', 'b']);
    await store.write('ns', { tag: 'fenced', version: 1, data: {}, modifiedAt: 1, checkedAt: 1, fence: 5 });
    const batcher = new SyncTouchBatcher(store, 'ns');
    const current = term(2);
    const results = await Promise.all([
      batcher.touch(current, 'a', 1, 10),
      batcher.touch(current, 'fenced', 1, 10),
      Promise.resolve().then(() => batcher.touch(current, 'b', 2, 10)),
      batcher.touch(current, 'missing', 1, 10),
    ]);
    assert.deepEqual(results, ['touched', 'fenced', 'absent', 'absent']);
    assert.deepEqual(
      store.batches.map((batch) => batch.map((t) => t.tag)),
      [['a', 'fenced', 'missing', 'b']],
    );
    assert.equal(store.touches, 0);
    assert.equal((await store.read('ns', 'a'))?.fence, 2);
    // A later turn is a later batch.
    assert.equal(await batcher.touch(current, 'a', 1, 20), 'touched');
    assert.equal(store.batches.length, 2);
  });

  it('keeps the terms apart: each batch carries its own fence', async () => {
    const store = await storeWith(['a', 'b']);
    const batcher = new SyncTouchBatcher(store, 'ns');
    const results = await Promise.all([batcher.touch(term(3), 'a', 1, 10), batcher.touch(term(4), 'b', 1, 10)]);
    assert.deepEqual(results, ['touched', 'touched']);
    assert.equal(store.batches.length, 2);
    assert.equal((await store.read('ns', 'a'))?.fence, 3);
    assert.equal((await store.read('ns', 'b'))?.fence, 4);
  });

  it('calls touch once per check on a store without touchMany', async () => {
    const store = await storeWith(['a', 'b']);
    const plain: CountingStore = Object.create(store);
    Object.defineProperty(plain, 'touchMany', { value: undefined });
    const batcher = new SyncTouchBatcher(plain, 'ns');
    const current = term(1);
    assert.deepEqual(await Promise.all([batcher.touch(current, 'a', 1, 10), batcher.touch(current, 'b', 1, 10)]), [
      'touched',
      'touched',
    ]);
    assert.equal(plain.touches, 2);
    assert.deepEqual(store.batches, []);
  });

  it('sends nothing for a term the clock says is over, rejecting every caller with its reason', async () => {
    const store = await storeWith(['a', 'b']);
    const batcher = new SyncTouchBatcher(store, 'ns');
    const controller = new AbortController();
    const stalled = term(2, () => (controller.abort(new Error('lease ran out')), false), controller);
    const results = await Promise.allSettled([batcher.touch(stalled, 'a', 1, 10), batcher.touch(stalled, 'b', 1, 10)]);
    assert.deepEqual(
      results.map((r) => r.status === 'rejected' && (r.reason as Error).message),
      ['lease ran out', 'lease ran out'],
    );
    assert.deepEqual(store.batches, []);
    assert.equal((await store.read('ns', 'a'))?.fence, 1, 'the fence was not raised');
  });

  it("rejects every caller of a batch when the store's call fails", async () => {
    const store = await storeWith(['a']);
    store.touchMany = async () => {
      throw new Error('connection reset');
    };
    const batcher = new SyncTouchBatcher(store, 'ns');
    const current = term(1);
    const results = await Promise.allSettled([batcher.touch(current, 'a', 1, 10), batcher.touch(current, 'b', 1, 10)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
  });
});
