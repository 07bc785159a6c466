import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonSerializer, type SyncStore } from '../backend/index.js';
import { MemorySyncLock } from '../backends/memory/memory-sync.lock.js';
import { MemorySyncStore } from '../backends/memory/memory-sync.store.js';
import { SyncAction } from '../interfaces/sync-task.interface.js';
import { normalizeSyncOptions } from '../sync-options.normalizer.js';
import { SyncRegistry } from '../sync.registry.js';
import type { SyncTerm } from './lease.keeper.js';
import { SyncReplicaState } from './replica.state.js';
import { SyncTaskChecker } from './task.checker.js';

const term: SyncTerm = {
  lease: { name: 'ns', holder: 'me', fence: 1 },
  signal: new AbortController().signal,
  valid: () => true,
};

describe('SyncTaskChecker and the default serializer', () => {
  it('serialises a new version once: the store encodes with the text the check made', async () => {
    let serialised = 0;
    // toJSON runs on every JSON.stringify of the data: it counts them.
    const data = { toJSON: () => (serialised++, { items: [1, 2, 3] }) };
    const encoded: (string | Buffer)[] = [];
    const memory = new MemorySyncStore();
    // A store that encodes as a remote one does, synchronously in write(), with the default serializer.
    const store = new Proxy(memory, {
      get: (target, property) =>
        property === 'write'
          ? (namespace: string, record: Parameters<SyncStore['write']>[1]) => {
              encoded.push(jsonSerializer.encode(record.data));
              return target.write(namespace, { ...record, data: null });
            }
          : (Reflect.get(target, property, target) as unknown),
    });
    const options = normalizeSyncOptions({ interval: 1_000, name: 'ns', store, lock: new MemorySyncLock() });
    const registry = new SyncRegistry(options);
    registry.register('p', {}, 'Source.p', (action) => (action === SyncAction.VERSION ? 1 : data));
    const state = new SyncReplicaState(registry, options);
    const checker = new SyncTaskChecker(options, state);

    assert.equal(await checker.check(state.entry('p'), term), 'changed');
    assert.deepEqual(encoded, ['{"items":[1,2,3]}']);
    assert.equal(serialised, 1, 'checked and encoded with one JSON.stringify');
  });
});
