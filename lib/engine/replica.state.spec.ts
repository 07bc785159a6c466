import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncRegistry } from '../sync.registry.js';
import { normalizeSyncOptions } from '../sync-options.normalizer.js';
import type { SyncInstallable } from './replica.state.js';
import { SyncReplicaState } from './replica.state.js';

/** A replica of task `t` serving v5 (fence 3, written at 5_000, revision 50), and every version it announced. */
function replica(leaseTtl = 60_000, interval = 1_000) {
  const options = normalizeSyncOptions({ interval, leaseTtl });
  const registry = new SyncRegistry(options);
  registry.register('t', {}, 'X.t', () => 1);
  const state = new SyncReplicaState(registry, options);
  const announced: unknown[] = [];
  state.changes$.subscribe((snapshot) => announced.push(snapshot.version));
  state.install('t', record(5, 3, 5_000, 50));
  return { state, entry: state.entry('t'), announced };
}

function record(version: number, fence: number, modifiedAt: number, revision: number): SyncInstallable {
  return { version, data: { version }, modifiedAt, checkedAt: modifiedAt, fence, revision };
}

describe('SyncReplicaState after the store went back', () => {
  it('tells an older record of another version by fence, then by clock under the same fence', () => {
    const { state, entry } = replica();
    assert.equal(state.isOlder(entry, record(2, 2, 9_000, 60)), true, 'older fence, whatever its clock');
    assert.equal(state.isOlder(entry, record(2, 3, 2_000, 60)), true, 'same fence, written earlier');
    assert.equal(
      state.isOlder(entry, record(2, 3, 5_000, 60)),
      false,
      'same fence, same millisecond: revisions decide',
    );
    assert.equal(state.isOlder(entry, record(6, 3, 5_001, 60)), false, 'same fence, written later');
    assert.equal(
      state.isOlder(entry, record(2, 4, 1_000, 60)),
      false,
      'a newer fence: a new leader, even with a late clock',
    );
    assert.equal(state.isOlder(entry, record(5, 1, 1_000, 60)), false, 'its own version');
    assert.equal(state.holds(entry, record(2, 1, 1_000, 60)), false, 'nothing held before a rewind');
    assert.equal(state.highestRevision, 50);
  });

  it('keeps the snapshot over an older record after a rewind, and takes a newer one', () => {
    const { state, entry } = replica();
    state.rewind();
    assert.equal(entry.revision, 0);
    assert.equal(state.highestRevision, 0);
    assert.equal(state.holds(entry, record(2, 3, 2_000, 20)), true);
    assert.equal(state.holds(entry, record(6, 3, 5_001, 21)), false);
  });

  it('takes the revision of a record of its own version without announcing it again, which ends the hold', () => {
    const { state, entry, announced } = replica();
    state.rewind();
    assert.equal(state.holds(entry, record(5, 1, 1_000, 22)), false);
    assert.equal(state.install('t', record(5, 1, 1_000, 22)), false);
    assert.deepEqual(announced, [5]);
    assert.equal(entry.revision, 22);
    assert.equal(entry.keepUntil, undefined);
    assert.equal(state.holds(entry, record(2, 1, 900, 23)), false, 'the store holds this version again: no hold');
  });

  it('installs a newer record, which ends the hold', () => {
    const { state, entry, announced } = replica();
    state.rewind();
    assert.equal(state.install('t', record(6, 4, 6_000, 21)), true);
    assert.deepEqual(announced, [5, 6]);
    assert.equal(entry.fence, 4);
    assert.equal(state.highestRevision, 21);
    assert.equal(state.holds(entry, record(2, 1, 1_000, 22)), false);
  });

  it('lets the store win once two lease TTLs + the interval passed', async () => {
    const { state, entry } = replica(50, 20);
    // 2 × 50 + 20 ms.
    state.rewind();
    assert.equal(state.holds(entry, record(2, 1, 1_000, 20)), true);
    await sleep(150);
    assert.equal(state.holds(entry, record(2, 1, 1_000, 20)), false);
  });

  it('holds nothing for a task without live data', () => {
    const options = normalizeSyncOptions({ interval: 1_000 });
    const registry = new SyncRegistry(options);
    registry.register('t', {}, 'X.t', () => 1);
    const state = new SyncReplicaState(registry, options);
    state.installBackup('t', { version: 5, data: {}, modifiedAt: 5_000, checkedAt: 5_000 });
    state.rewind();
    assert.equal(state.entry('t').keepUntil, undefined);
    assert.equal(state.holds(state.entry('t'), record(2, 1, 1_000, 20)), false, 'a store record replaces a backup');
  });
});
