import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { MemorySyncLock } from '../../lib/backends/memory/memory-sync.lock.js';
import { MemorySyncStore } from '../../lib/backends/memory/memory-sync.store.js';
import { SyncService } from '../../lib/sync.service.js';
import { SyncHealthIndicator } from '../../lib/health/sync.health.js';

type Details = {
  status: string;
  reason?: string;
  isLeader: boolean;
  tasks: Record<string, { ok: boolean; lastError?: string }>;
};

describe('SyncHealthIndicator', () => {
  let apps: SyncTestApp[] = [];
  afterEach(async () => {
    for (const { app } of apps.reverse()) await app.close();
    apps = [];
  });

  async function boot(source: VersionedSource, options: { store?: MemorySyncStore; lock?: MemorySyncLock } = {}) {
    const booted = await createSyncApp({ interval: 20, timeout: 50, ...options }, [
      taskFor('a', source),
      taskFor('b', new VersionedSource()),
    ]);
    apps.push(booted);
    await booted.app.get(SyncService).whenReady(undefined, { timeout: 2_000 });
    return booted.app.get(SyncHealthIndicator);
  }

  it('is up with per-task details when every task is fresh and a lease is held', async () => {
    const health = await boot(new VersionedSource());
    const result = await health.isHealthy();
    const sync = result.sync as unknown as Details;
    assert.equal(sync.status, 'up');
    assert.equal(sync.isLeader, true);
    assert.deepEqual(Object.keys(sync.tasks), ['a', 'b']);
    assert.equal(sync.tasks.a.ok, true);
  });

  it('goes down when a task has not checked successfully within maxStaleness, naming it', async () => {
    const source = new VersionedSource();
    const health = await boot(source);
    source.behaviour = () => {
      throw new Error('source unreachable');
    };
    await new Promise((r) => setTimeout(r, 150));
    const down = (await health.isHealthy('flags', { maxStaleness: 100 })).flags as unknown as Details;
    assert.equal(down.status, 'down');
    assert.equal(down.tasks.a.ok, false);
    assert.match(down.tasks.a.lastError ?? '', /source unreachable/);
    assert.equal(down.tasks.b.ok, true);
    const onlyB = (await health.isHealthy('flags', { tags: ['b'], maxStaleness: 100 })).flags as unknown as Details;
    assert.equal(onlyB.status, 'up');
  });

  it('on a follower, judges staleness from the check times the leader stores', async () => {
    const store = new MemorySyncStore();
    const lock = new MemorySyncLock();
    await boot(new VersionedSource(), { store, lock });
    const follower = await boot(new VersionedSource(), { store, lock });
    await new Promise((r) => setTimeout(r, 200));
    const result = (await follower.isHealthy()).sync as unknown as Details;
    assert.equal(result.isLeader, false);
    assert.equal(result.status, 'up', JSON.stringify(result));
  });

  it('goes down, never throws, when no process holds the lease or the lock fails', async () => {
    const lock = new MemorySyncLock();
    const health = await boot(new VersionedSource(), { lock });
    lock.current = async () => undefined;
    const unheld = (await health.isHealthy()).sync as unknown as Details;
    assert.equal(unheld.status, 'down');
    assert.match(unheld.reason ?? '', /no process holds the lease/);
    lock.current = async () => {
      throw new Error('lock backend unreachable');
    };
    const failing = (await health.isHealthy()).sync as unknown as Details;
    assert.equal(failing.status, 'down');
    assert.match(failing.reason ?? '', /lock backend unreachable/);
    const unknown = (await health.isHealthy('sync', { tags: ['nope'] })).sync as unknown as Details;
    assert.equal(unknown.status, 'down');
    assert.match(unknown.reason ?? '', /Unknown sync task 'nope'/);
  });

  it('reports a task with no data yet as down', async () => {
    const never = new VersionedSource();
    never.behaviour = () => new Promise(() => undefined);
    const booted = await createSyncApp({ interval: 20, timeout: 50 }, [taskFor('never', never)]);
    apps.push(booted);
    await waitFor(() => booted.app.get(SyncService).status()[0].failures > 0, 2_000, 'a failure');
    const result = (await booted.app.get(SyncHealthIndicator).isHealthy()).sync as unknown as Details;
    assert.equal(result.status, 'down');
    assert.equal(result.tasks.never.ok, false);
  });
});
