import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { SyncAction, type SyncSnapshot } from '../../lib/interfaces/sync-task.interface.js';
import { SyncTimeoutError, UnknownSyncTaskError } from '../../lib/sync.errors.js';
import { SyncService } from '../../lib/sync.service.js';

describe('SyncService', () => {
  let current: SyncTestApp | undefined;
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
  });

  async function boot(sources: Record<string, VersionedSource>, options: { freeze?: boolean; interval?: number } = {}) {
    const providers = Object.entries(sources).map(([tag, source]) => taskFor(tag, source));
    current = await createSyncApp({ interval: options.interval ?? 20, freeze: options.freeze }, providers);
    return current.app.get(SyncService);
  }

  it('throws UnknownSyncTaskError naming the tag and the known ones, from every getter', async () => {
    const sync = await boot({ flags: new VersionedSource() });
    for (const read of [
      () => sync.getData('nope'),
      () => sync.getVersion('nope'),
      () => sync.getLastModified('nope'),
      () => sync.getSnapshot('nope'),
      () => sync.changes('nope'),
    ]) {
      assert.throws(read, (error: unknown) => {
        assert.ok(error instanceof UnknownSyncTaskError);
        assert.match(error.message, /'nope'.*"flags"/);
        return true;
      });
    }
    await assert.rejects(sync.refresh('nope'), UnknownSyncTaskError);
    await assert.rejects(sync.whenReady(['nope']), UnknownSyncTaskError);
  });

  it('serves one consistent, deep-frozen snapshot', async () => {
    const sync = await boot({ flags: new VersionedSource() });
    await sync.whenReady();
    const snapshot = sync.getSnapshot<{ version: number; items: string[] }>('flags')!;
    assert.equal(snapshot.version, 1);
    assert.equal(snapshot.data, sync.getData('flags'), 'same object, decoded once');
    assert.ok(Object.isFrozen(snapshot) && Object.isFrozen(snapshot.data) && Object.isFrozen(snapshot.data.items));
    assert.throws(() => (snapshot.data.items as string[]).push('x'), TypeError);
    const modified = sync.getLastModified('flags')!;
    modified.setTime(0);
    assert.notEqual(sync.getLastModified('flags')!.getTime(), 0, 'getLastModified hands out a copy');
  });

  it('hands out mutable data with freeze: false', async () => {
    const sync = await boot({ flags: new VersionedSource() }, { freeze: false });
    await sync.whenReady();
    assert.equal(Object.isFrozen(sync.getData('flags')), false);
  });

  it('whenReady waits for every task and rejects with SyncTimeoutError naming the missing ones', async () => {
    const slow = new VersionedSource();
    slow.behaviour = () => new Promise(() => undefined);
    const sync = await boot({ fast: new VersionedSource(), slow });
    await sync.whenReady(['fast'], { timeout: 2_000 });
    await assert.rejects(sync.whenReady(undefined, { timeout: 100 }), (error: unknown) => {
      assert.ok(error instanceof SyncTimeoutError);
      assert.match(error.message, /"slow"/);
      assert.doesNotMatch(error.message, /"fast"/);
      return true;
    });
  });

  it('changes(tag) emits each new snapshot of that tag only; changes() of all', async () => {
    const a = new VersionedSource();
    const b = new VersionedSource();
    const sync = await boot({ a, b });
    await sync.whenReady();
    const ofA: SyncSnapshot[] = [];
    const ofAll: SyncSnapshot[] = [];
    const subs = [sync.changes('a').subscribe((s) => ofA.push(s)), sync.changes().subscribe((s) => ofAll.push(s))];
    a.version = 2;
    await waitFor(() => ofA.length === 1, 2_000, 'a at 2');
    b.version = 'b2';
    a.version = 3;
    await waitFor(() => ofAll.length === 3, 2_000, 'three changes in all');
    subs.forEach((s) => s.unsubscribe());
    assert.deepEqual(
      ofA.map((s) => s.version),
      [2, 3],
    );
    assert.deepEqual(ofAll.map((s) => `${s.tag}@${s.version}`).sort(), ['a@2', 'a@3', 'b@b2']);
  });

  it('refresh(tag) on the leader checks now and resolves with the new snapshot', async () => {
    const source = new VersionedSource();
    const sync = await boot({ t: source }, { interval: 60_000 });
    await sync.whenReady();
    assert.equal(sync.isLeader(), true);
    source.version = 2;
    const snapshot = await sync.refresh('t');
    assert.equal(snapshot?.version, 2);
    assert.equal(sync.getVersion('t'), 2);
    assert.equal(source.count(SyncAction.DATA), 2);
  });

  it('status() reports every field per task', async () => {
    const sync = await boot({ t: new VersionedSource() });
    await sync.whenReady();
    const [status] = sync.status();
    assert.equal(status.tag, 't');
    assert.equal(status.version, 1);
    assert.ok(status.modifiedAt instanceof Date);
    assert.ok(status.lastCheckedAt instanceof Date);
    assert.equal(status.lastError, undefined);
    assert.equal(status.consecutiveFailures, 0);
    assert.equal(status.failures, 0);
    assert.equal(status.interval, 20);
    assert.equal(status.timeout, 30_000);
    assert.equal(typeof status.running, 'boolean');
  });
});
