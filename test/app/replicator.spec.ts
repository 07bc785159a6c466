import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSyncApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { SyncHealthIndicator } from '../../lib/health/sync.health.js';
import { MemorySyncLock } from '../../lib/backends/memory/memory-sync.lock.js';
import { MemorySyncStore } from '../../lib/backends/memory/memory-sync.store.js';
import type { SyncStore } from '../../lib/backend/sync-store.interface.js';
import { SyncService } from '../../lib/sync.service.js';
import { SyncRegistry } from '../../lib/sync.registry.js';
import { SyncReplicaState } from '../../lib/engine/replica.state.js';
import { normalizeSyncOptions } from '../../lib/sync-options.normalizer.js';
import type { StoredSyncRecord, SyncRecordHead } from '../../lib/backend/sync-store.interface.js';
import { SyncReplicator } from '../../lib/engine/replicator.js';

/** The same store, but `read` fails while `broken` is set (as a payload that does not decode would). */
function flakyReads(store: MemorySyncStore) {
  const control = { broken: false, reads: 0 };
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'read') {
        return async (...args: Parameters<SyncStore['read']>) => {
          control.reads++;
          if (control.broken) throw new SyntaxError('Unexpected end of JSON input');
          return target.read(...args);
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { proxy, control };
}

describe('SyncReplicator', () => {
  it('keeps the last good replica when a stored snapshot cannot be read, shows it, and catches up by reconciliation', async () => {
    const store = new MemorySyncStore();
    const lock = new MemorySyncLock();
    const source = new VersionedSource();
    const leader = await createSyncApp({ interval: 20, store, lock }, [taskFor('t', source)]);
    const { proxy, control } = flakyReads(store);
    const follower = await createSyncApp({ interval: 20, store: proxy, lock }, [taskFor('t', source)]);
    try {
      const sync = follower.app.get(SyncService);
      await sync.whenReady(undefined, { timeout: 2_000 });
      assert.equal(sync.isLeader(), false);
      control.broken = true;
      source.version = 2;
      await waitFor(() => sync.status()[0].consecutiveFailures >= 2, 2_000, 'failed reads retried by reconciliation');
      assert.equal(sync.getVersion('t'), 1, 'last good data kept');
      assert.match(sync.status()[0].lastError?.message ?? '', /Unexpected end of JSON input/);
      assert.equal(follower.logs.find('error', 'could not read or decode').length, 1, 'logged once per streak');
      const health = (await follower.app.get(SyncHealthIndicator).isHealthy()).sync as unknown as {
        tasks: { t: { lastError?: string } };
      };
      assert.match(health.tasks.t.lastError ?? '', /Unexpected end of JSON input/);
      control.broken = false;
      await waitFor(() => sync.getVersion('t') === 2, 2_000, 'catching up');
      assert.equal(sync.status()[0].consecutiveFailures, 0);
      const reads = control.reads;
      await sleep(100);
      assert.equal(control.reads, reads, 'no reads once caught up: reconciliation reads the revision only');
    } finally {
      await follower.app.close();
      await leader.app.close();
    }
  });

  it('does not lose a wanted revision when a read ends in the same macrotask as a heads reply', async () => {
    const options = normalizeSyncOptions({ interval: 1_000 });
    const registry = new SyncRegistry(options);
    registry.register('a', {}, 'X.a', () => 1);
    const state = new SyncReplicaState(registry, options);
    const record = (revision: number): StoredSyncRecord => ({
      tag: 'a',
      version: revision,
      data: { revision },
      modifiedAt: 1,
      checkedAt: 1,
      fence: 1,
      revision,
    });
    const head = (revision: number): SyncRecordHead => {
      const { data: _data, ...rest } = record(revision);
      return rest;
    };
    let resolveRead!: (r: StoredSyncRecord) => void;
    let resolveHeads!: (h: Map<string, SyncRecordHead>) => void;
    let reads = 0;
    const store = {
      ...options.store,
      // The first read waits for the test; later ones answer at once with revision 2.
      read: () =>
        reads++ === 0 ? new Promise<StoredSyncRecord>((r) => (resolveRead = r)) : Promise.resolve(record(2)),
      revision: async () => 2,
      heads: () => new Promise<Map<string, SyncRecordHead>>((r) => (resolveHeads = r)),
    };
    const follower = new SyncReplicator({ ...options, store } as never, state);
    (follower as unknown as { want(tag: string, revision: number): void }).want('a', 1);
    const reconciled = follower.reconcile();
    await new Promise((r) => setImmediate(r));
    setImmediate(() => {
      resolveRead(record(1));
      resolveHeads(new Map([['a', head(2)]]));
    });
    await reconciled;
    assert.equal(state.entry('a').revision, 2, 'the revision announced by the heads was read');
  });
});
