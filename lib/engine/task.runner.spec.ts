import 'reflect-metadata';
import assert from 'node:assert/strict';
import { beforeEach, describe, it, type TestContext } from 'node:test';
import { SchedulerRegistry } from '@nestjs/schedule';
import { MemorySyncLock } from '../backends/memory/memory-sync.lock.js';
import { MemorySyncStore } from '../backends/memory/memory-sync.store.js';
import { normalizeSyncOptions } from '../sync-options.normalizer.js';
import { SyncRegistry } from '../sync.registry.js';
import type { SyncLeaseKeeper, SyncTerm } from './lease.keeper.js';
import { SyncReplicaState, type SyncTaskState } from './replica.state.js';
import type { SyncCheckOutcome, SyncTaskChecker } from './task.checker.js';
import { SYNC_TICK_SLICE, SyncTaskRunner } from './task.runner.js';

const INTERVAL = 100;
const settle = () => new Promise((resolve) => setImmediate(resolve));

function newTerm(fence: number): SyncTerm {
  return { lease: { name: 'ns', holder: 'me', fence }, signal: new AbortController().signal, valid: () => true };
}

/** Stands in for the lease keeper: the test decides which term is current. */
class FakeKeeper {
  current: SyncTerm | undefined;
  readonly stepDowns: string[] = [];
  stepDown(reason: string): void {
    this.stepDowns.push(reason);
    this.current = undefined;
  }
}

interface Run {
  tag: string;
  start: number;
  end?: number;
  fence: number;
}

/** A checker whose checks take `duration` ms (fake timers) and end with `outcome`; records each run. */
class FakeChecker {
  readonly runs: Run[] = [];
  duration = 10;
  /** Per-tag durations overriding `duration`. */
  readonly durations = new Map<string, number>();
  outcome: SyncCheckOutcome = 'unchanged';
  constructor(private readonly clock: { t: number }) {}

  check(state: SyncTaskState, term: SyncTerm): Promise<SyncCheckOutcome> {
    const run: Run = { tag: state.task.tag, start: this.clock.t, fence: term.lease.fence };
    this.runs.push(run);
    return new Promise((resolve) =>
      setTimeout(
        () => {
          run.end = this.clock.t;
          resolve(this.outcome);
        },
        this.durations.get(state.task.tag) ?? this.duration,
      ),
    );
  }
  starts(tag?: string): number[] {
    return this.runs.filter((r) => !tag || r.tag === tag).map((r) => r.start);
  }
  /** The most checks that were running at one time. */
  maxInFlight(): number {
    const edges = this.runs.flatMap((r) => [
      [r.start, 1],
      [r.end ?? Infinity, -1],
    ]);
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let max = 0;
    for (const [, step] of edges) max = Math.max(max, (now += step));
    return max;
  }
}

describe('SyncTaskRunner (fake timers, fake checker)', () => {
  let t: TestContext;
  let clock: { t: number };
  let keeper: FakeKeeper;
  let checker: FakeChecker;
  let timers: SchedulerRegistry;

  /** `tags` at the default interval, or `[tag, interval]` pairs. */
  function runner(tags: (string | [string, number])[], concurrency?: number): SyncTaskRunner {
    const store = new MemorySyncStore();
    const options = normalizeSyncOptions({
      interval: INTERVAL,
      name: 'ns',
      store,
      lock: new MemorySyncLock(),
      concurrency,
    });
    const registry = new SyncRegistry(options);
    for (const entry of tags) {
      const [tag, interval] = typeof entry === 'string' ? [entry, undefined] : entry;
      registry.register(tag, { interval }, `Source.${tag}`, () => undefined);
    }
    const state = new SyncReplicaState(registry, options);
    return new SyncTaskRunner(
      options,
      state,
      keeper as unknown as SyncLeaseKeeper,
      checker as unknown as SyncTaskChecker,
      timers,
      { now: () => clock.t },
    );
  }

  async function advance(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) {
      clock.t++;
      t.mock.timers.tick(1);
      await settle();
    }
  }

  /** Arms `runner` for a new term, as the engine does when the keeper starts one. */
  async function lead(subject: SyncTaskRunner, fence = 1): Promise<SyncTerm> {
    const term = newTerm(fence);
    keeper.current = term;
    subject.lead(term);
    t.mock.timers.tick(0);
    await settle();
    return term;
  }

  beforeEach((context) => {
    t = context as TestContext;
    t.mock.timers.enable({ apis: ['setTimeout'] });
    clock = { t: 0 };
    keeper = new FakeKeeper();
    checker = new FakeChecker(clock);
    timers = new SchedulerRegistry();
  });

  it('arms every task at once, in registration order', async () => {
    await lead(runner(['c', 'a', 'b']));
    assert.deepEqual(
      checker.runs.map((r) => [r.tag, r.start]),
      [
        ['c', 0],
        ['a', 0],
        ['b', 0],
      ],
    );
  });

  it('runs a task again `interval` ms after its previous check ended (fixed delay), never overlapping', async () => {
    checker.duration = 30;
    await lead(runner(['a']));
    await advance(300);
    assert.deepEqual(checker.starts(), [0, 130, 260]);
    assert.equal(checker.maxInFlight(), 1);
    assert.ok(timers.doesExist('timeout', 'sync:ns:every-100ms'), "the bucket's timer is in the SchedulerRegistry");
  });

  it('keeps to the concurrency limit, handing slots out in registration order', async () => {
    await lead(runner(['a', 'b', 'c'], 1));
    await advance(140);
    assert.deepEqual(
      checker.runs.map((r) => `${r.tag}@${r.start}`),
      ['a@0', 'b@10', 'c@20', 'a@110', 'b@120', 'c@130'],
    );
    assert.equal(checker.maxInFlight(), 1);
  });

  it('runNow during a check queues one more check after it; later requests join the queued one', async () => {
    checker.duration = 50;
    const subject = runner(['a']);
    await lead(subject);
    await advance(10);
    const resolved: number[] = [];
    const requests = [subject.runNow('a'), subject.runNow('a'), subject.runNow('a')];
    for (const request of requests) void request.then(() => resolved.push(clock.t));
    await advance(110);
    assert.deepEqual(checker.starts(), [0, 50], 'one extra check for three requests, after the one in flight');
    assert.deepEqual(resolved, [100, 100, 100], 'each request resolves when the check it joined ends');
    // The next timed check is armed from the end of the refresh check.
    await advance(100);
    assert.deepEqual(checker.starts(), [0, 50, 200]);
  });

  it('runNow resolves at once, without a check, when this process does not lead', async () => {
    const subject = runner(['a']);
    await subject.runNow('a');
    assert.deepEqual(checker.runs, []);
  });

  it('when the term ends: no new check, the one in flight finishes, drain waits for it', async () => {
    checker.duration = 50;
    const subject = runner(['a', 'b'], 1);
    await lead(subject);
    await advance(10);
    keeper.current = undefined;
    subject.disarmAll();
    let drainedAt: number | undefined;
    void subject.drain().then(() => (drainedAt = clock.t));
    await advance(300);
    assert.deepEqual(checker.starts(), [0], 'b, waiting for the slot, never started for the ended term');
    assert.equal(drainedAt, 50);
    assert.equal(timers.getTimeouts().length, 0);
  });

  it('a fenced check steps down the term it ran under, not a newer one', async () => {
    checker.outcome = 'fenced';
    await lead(runner(['a']));
    await advance(10);
    assert.deepEqual(keeper.stepDowns, ['the store holds a newer fence']);

    const other = runner(['b']);
    await lead(other, 2);
    keeper.current = newTerm(3); // a newer term of this process started while the check ran
    await advance(10);
    assert.equal(keeper.stepDowns.length, 1);
  });

  it('shares one timer per interval: one SchedulerRegistry entry per bucket, each task on its own fixed delay', async () => {
    checker.durations.set('slow', 40);
    await lead(runner(['a', ['slow', 50], 'b', ['fast', 50]]));
    await advance(20);
    assert.deepEqual(timers.getTimeouts().sort(), ['sync:ns:every-100ms', 'sync:ns:every-50ms']);
    await advance(230);
    assert.deepEqual(checker.starts('a'), [0, 110, 220]);
    assert.deepEqual(checker.starts('b'), [0, 110, 220]);
    assert.deepEqual(checker.starts('fast'), [0, 60, 120, 180, 240]);
    assert.deepEqual(checker.starts('slow'), [0, 90, 180]);
    assert.equal(timers.getTimeouts().length, 2, 'still one timer per interval, not one per task');
  });

  it('a slow task does not hold back the others of its bucket: each is due `interval` after its own end', async () => {
    checker.durations.set('slow', 70);
    await lead(runner(['slow', 'a', 'b']));
    await advance(400);
    assert.deepEqual(checker.starts('a'), [0, 110, 220, 330]);
    assert.deepEqual(checker.starts('b'), [0, 110, 220, 330]);
    assert.deepEqual(checker.starts('slow'), [0, 170, 340]);
    assert.equal(checker.maxInFlight(), 3);
  });

  it('within a tick, tasks that ended together run in registration order', async () => {
    await lead(runner(['c', 'a', 'b']));
    await advance(115);
    const tick = checker.runs.filter((r) => r.start === 110).map((r) => r.tag);
    assert.deepEqual(tick, ['c', 'a', 'b']);
  });

  it('runNow on a task waiting in its bucket runs it at once and re-arms it from the end of that check', async () => {
    const subject = runner(['a', 'b']);
    await lead(subject);
    await advance(50);
    const done = subject.runNow('a');
    await advance(10);
    await done;
    await advance(200);
    assert.deepEqual(checker.starts('a'), [0, 50, 160], 'the check due at 110 was taken by the refresh');
    assert.deepEqual(checker.starts('b'), [0, 110, 220]);
  });

  it('a new term after the end of the last one makes every task due at once again', async () => {
    checker.duration = 30;
    const subject = runner(['a', 'b']);
    await lead(subject);
    await advance(20);
    keeper.current = undefined;
    subject.disarmAll();
    await advance(50);
    assert.equal(timers.getTimeouts().length, 0);
    await lead(subject, 2);
    await advance(1);
    assert.deepEqual(
      checker.runs.map((r) => `${r.tag}@${r.start}#${r.fence}`),
      ['a@0#1', 'b@0#1', 'a@70#2', 'b@70#2'],
    );
  });

  it('starts a large tick in slices, in order, a macrotask apart; a task runNow took meanwhile is not checked twice', async () => {
    const tags = Array.from({ length: SYNC_TICK_SLICE + 5 }, (_, i) => `t${i}`);
    const subject = runner(tags);
    const term = newTerm(1);
    keeper.current = term;
    subject.lead(term);
    t.mock.timers.tick(0);
    assert.equal(checker.runs.length, SYNC_TICK_SLICE, "the first slice starts in the timer's turn");
    const late = tags[SYNC_TICK_SLICE + 2];
    void subject.runNow(late);
    await settle();
    assert.deepEqual(
      checker.runs.map((r) => r.tag),
      [...tags.slice(0, SYNC_TICK_SLICE), late, ...tags.slice(SYNC_TICK_SLICE).filter((tag) => tag !== late)],
    );
    await advance(20); // past the end of its check (10 ms): a second check queued behind it would have started
    assert.deepEqual(checker.starts(late), [0], 'one check of the task runNow started');
  });
});
