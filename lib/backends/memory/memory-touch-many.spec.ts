import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import type { SyncStoreEvent } from '../../backend/sync-store.interface.js';
import { MemorySyncStore } from './memory-sync.store.js';

const record = (tag: string, version: number | string, fence: number) => ({
  tag,
  version,
  data: { tag },
  modifiedAt: 1,
  checkedAt: 1,
  fence,
});

describe('MemorySyncStore.touchMany', () => {
  it('judges each touch as touch would, answering in the order asked', async () => {
    const store = new MemorySyncStore();
    await store.write('ns', record('same', 1, 3));
    await store.write('ns', record('other-version', 1, 3));
    await store.write('ns', record('string-version', '1', 3));
    await store.write('ns', record('newer-fence', 1, 9));
    const results = await store.touchMany(
      'ns',
      [
        { tag: 'newer-fence', version: 1, checkedAt: 50 },
        { tag: 'same', version: 1, checkedAt: 50 },
        { tag: 'missing', version: 1, checkedAt: 50 },
        { tag: 'other-version', version: 2, checkedAt: 50 },
        { tag: 'string-version', version: 1, checkedAt: 50 },
      ],
      4,
    );
    assert.deepEqual(results, ['fenced', 'touched', 'absent', 'absent', 'absent']);
    const same = await store.read('ns', 'same');
    assert.equal(same?.checkedAt, 50);
    assert.equal(same?.fence, 4, 'the fence is raised on a touched record');
    assert.equal((await store.read('ns', 'newer-fence'))?.checkedAt, 1, 'a fenced record is left alone');
    assert.equal((await store.read('ns', 'other-version'))?.checkedAt, 1);
  });

  it('publishes no event and bumps no revision, like touch', async () => {
    const store = new MemorySyncStore();
    await store.write('ns', record('t', 1, 1));
    await turn();
    const events: SyncStoreEvent[] = [];
    await store.subscribe('ns', (event) => events.push(event));
    const revision = await store.revision('ns');
    assert.deepEqual(await store.touchMany('ns', [{ tag: 't', version: 1, checkedAt: 2 }], 1), ['touched']);
    await turn();
    assert.equal(await store.revision('ns'), revision);
    assert.deepEqual(events, []);
  });
});
