import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { SyncAction } from '../../lib/interfaces/sync-task.interface.js';
import { MemorySyncLock } from '../../lib/backends/memory/memory-sync.lock.js';
import { MemorySyncStore } from '../../lib/backends/memory/memory-sync.store.js';
import { SyncService } from '../../lib/sync.service.js';

/** A source whose VERSION takes `ms`, recording how many checks overlap across sources. */
function slowSources(tags: string[], ms: number) {
  const overlap = { active: 0, max: 0, order: [] as string[] };
  const sources = tags.map((tag) => {
    const source = new VersionedSource();
    const normal = source.behaviour;
    source.behaviour = async (action, ctx) => {
      if (action === SyncAction.VERSION) overlap.order.push(tag);
      overlap.active++;
      overlap.max = Math.max(overlap.max, overlap.active);
      await sleep(ms);
      overlap.active--;
      return normal(action, ctx);
    };
    return taskFor(tag, source);
  });
  return { overlap, sources };
}

describe('SyncEngine', () => {
  let current: SyncTestApp | undefined;
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
  });

  it('runs tasks in registration order and honours the concurrency limit', async () => {
    const limited = slowSources(['a', 'b', 'c'], 15);
    current = await createSyncApp({ interval: 10, concurrency: 1 }, limited.sources);
    await current.app.get(SyncService).whenReady(undefined, { timeout: 3_000 });
    await current.app.close();
    current = undefined;
    assert.deepEqual(limited.overlap.order.slice(0, 3), ['a', 'b', 'c']);
    assert.equal(limited.overlap.max, 1);

    const free = slowSources(['a', 'b', 'c'], 15);
    current = await createSyncApp({ interval: 10 }, free.sources);
    await current.app.get(SyncService).whenReady(undefined, { timeout: 3_000 });
    assert.ok(free.overlap.max > 1, 'without a limit the checks of different tasks overlap');
  });

  it('never overlaps two checks of one task (fixed delay after the previous run ends)', async () => {
    const { overlap, sources } = slowSources(['only'], 30);
    current = await createSyncApp({ interval: 1 }, sources);
    const sync = current.app.get(SyncService);
    await sync.whenReady();
    await Promise.all([sync.refresh('only'), sync.refresh('only'), sleep(150)]);
    assert.equal(overlap.max, 1);
    const before = overlap.order.length;
    await Promise.all(Array.from({ length: 10 }, () => sync.refresh('only')));
    assert.ok(
      overlap.order.length - before <= 2,
      `10 refreshes at once ran ${overlap.order.length - before} checks (queued ones are joined)`,
    );
  });

  it("registers one timer per interval as sync:<name>:every-<ms>ms in the app's SchedulerRegistry when ScheduleModule is imported", async () => {
    const tasks = [taskFor('eur', new VersionedSource()), taskFor('usd', new VersionedSource())];
    current = await createSyncApp({ interval: 50, name: 'prices' }, tasks, { imports: [ScheduleModule.forRoot()] });
    await current.app.get(SyncService).whenReady();
    const registry = current.app.get(SchedulerRegistry);
    await waitFor(() => registry.getTimeouts().includes('sync:prices:every-50ms'), 2_000, 'the timer in the registry');
    assert.deepEqual(
      registry.getTimeouts().filter((name) => name.startsWith('sync:')),
      ['sync:prices:every-50ms'],
      'two tasks of one interval share one timer',
    );
  });

  it("records the unchanged checks of one tick in one touchMany call, each task's check time moving", async () => {
    const store = new MemorySyncStore();
    const batches: string[][] = [];
    const touchMany = store.touchMany.bind(store);
    const touch = store.touch.bind(store);
    let touches = 0;
    store.touch = (...args) => (touches++, touch(...args));
    store.touchMany = (namespace, touches, fence) => {
      batches.push(touches.map((t) => t.tag));
      return touchMany(namespace, touches, fence);
    };
    const tags = ['a', 'b', 'c'];
    current = await createSyncApp(
      { interval: 40, store },
      tags.map((tag) => taskFor(tag, new VersionedSource())),
    );
    const sync = current.app.get(SyncService);
    await sync.whenReady();
    const first = sync.status().map((s) => s.lastCheckedAt!.getTime());
    await waitFor(() => batches.length >= 3, 5_000, 'three ticks of unchanged checks');
    // The three tasks were written together at the first check, so each later tick holds all three.
    assert.deepEqual(batches.slice(0, 3), [tags, tags, tags]);
    assert.equal(touches, 0, 'no touch of its own for any check');
    const later = sync.status().map((s) => s.lastCheckedAt!.getTime());
    assert.ok(
      later.every((at, i) => at > first[i]),
      `check times moved: ${first.join(',')} → ${later.join(',')}`,
    );
  });

  it('steps down when the store refuses its fence, and takes over again with a newer one', async () => {
    const store = new MemorySyncStore();
    const lock = new MemorySyncLock();
    const source = new VersionedSource();
    current = await createSyncApp({ interval: 10, leaseTtl: 60_000, store, lock }, [taskFor('t', source)]);
    const sync = current.app.get(SyncService);
    await sync.whenReady();
    const held = (await lock.current('default'))!;
    assert.ok(await lock.release({ name: 'default', ...held }), 'lease stolen behind its back');
    const intruder = (await lock.acquire('default', 'intruder', 60_000))!;
    assert.equal(await store.touch('default', 't', 1, Date.now(), intruder.fence), 'touched');
    await waitFor(() => !sync.isLeader(), 2_000, 'stepping down');
    assert.equal(current.logs.find('warn', 'refused a write with fence').length, 1);
    await lock.release(intruder);
    source.version = 2;
    await waitFor(() => sync.getVersion('t') === 2, 20_000, 'leading again');
    assert.ok(sync.isLeader());
    assert.ok((await store.read('default', 't'))!.fence > intruder.fence);
  });

  it('after a pause longer than the lease, calls no callback before it leads again', async () => {
    const source = new VersionedSource();
    current = await createSyncApp({ interval: 5, leaseTtl: 300 }, [taskFor('t', source)]);
    await current.app.get(SyncService).whenReady();
    const logs = current.logs;
    // Each call notes how many log lines existed then, to order calls against the lease log lines.
    const callsAt: number[] = [];
    const normal = source.behaviour;
    let mark = 0;
    let until = Infinity;
    // Blocks the event loop like a long GC pause or a SIGSTOP, right after a check armed the next tick
    // (so that tick's timer expires before the renewal's and the watchdog's).
    const pause = () => {
      mark = logs.lines.length;
      until = Date.now() + 600;
      while (Date.now() < until);
    };
    source.behaviour = (action, ctx) => {
      if (until === Infinity) {
        until = -1;
        setImmediate(pause);
      } else if (Date.now() >= until && until > 0) callsAt.push(logs.lines.length);
      return normal(action, ctx);
    };
    await waitFor(() => until > 0, 2_000, 'the pause');
    await waitFor(() => logs.find('log', 'Leading').length >= 2, 2_000, 'leading again');
    const events = logs.lines
      .slice(mark)
      .map((l) => (l.message.includes('Lost the lease') ? 'lost' : l.message.includes('Leading') ? 'lead' : 'other'));
    assert.equal(events.filter((e) => e === 'lost').length, 1, JSON.stringify(logs.lines.slice(mark)));
    await waitFor(() => callsAt.length > 0, 2_000, 'a call after leading again');
    const relead = mark + events.indexOf('lead');
    assert.ok(events.indexOf('lost') < events.indexOf('lead'), 'the lease was given up before leading again');
    assert.ok(
      callsAt[0] > relead,
      `a callback ran in the expired term (${callsAt[0]} log lines, re-lead at ${relead})`,
    );
  });

  it('on close: no callback runs afterwards, the lease is released, checks in flight are aborted', async () => {
    const lock = new MemorySyncLock();
    const source = new VersionedSource();
    current = await createSyncApp({ interval: 5, lock }, [taskFor('t', source)]);
    const sync = current.app.get(SyncService);
    await sync.whenReady();
    const signals: AbortSignal[] = [];
    source.behaviour = (_action, ctx) => {
      signals.push(ctx.signal);
      return new Promise(() => undefined);
    };
    await waitFor(() => signals.length > 0, 2_000, 'a check in flight');
    await current.app.close();
    current = undefined;
    const calls = source.calls.length;
    await sleep(100);
    assert.equal(source.calls.length, calls, 'no callback after close()');
    assert.equal(signals.at(-1)?.aborted, true, 'the in-flight check was aborted');
    assert.equal(await lock.current('default'), undefined, 'lease released');
  });

  it('leaves nothing that keeps the event loop alive after close (real child process)', async () => {
    const script = fileURLToPath(new URL('../fixtures/close-and-exit.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 10_000 });
    assert.match(stdout, /closed after \d+ calls/);
  });

  it('calls VERSION and DATA only on the leader', async () => {
    const store = new MemorySyncStore();
    const lock = new MemorySyncLock();
    const source = new VersionedSource();
    current = await createSyncApp({ interval: 10, store, lock }, [taskFor('t', source)]);
    await current.app.get(SyncService).whenReady();
    const follower = await createSyncApp({ interval: 10, store, lock }, [taskFor('t', source)]);
    try {
      const before = source.calls.length;
      await sleep(100);
      assert.equal(follower.app.get(SyncService).isLeader(), false);
      assert.ok(source.calls.length > before);
      assert.equal(source.count(SyncAction.DATA), 1, 'one DATA for one version across two apps');
      assert.equal(follower.app.get(SyncService).getVersion('t'), 1);
    } finally {
      await follower.app.close();
    }
  });
});
