import 'reflect-metadata';
import assert from 'node:assert/strict';
import { beforeEach, describe, it, type TestContext } from 'node:test';
import { Logger } from '@nestjs/common';
import type { SyncLease, SyncLock } from '../backend/sync-lock.interface.js';
import { MemorySyncStore } from '../backends/memory/memory-sync.store.js';
import { SyncError } from '../sync.errors.js';
import { normalizeSyncOptions } from '../sync-options.normalizer.js';
import { SyncLeaseKeeper, type SyncTerm } from './lease.keeper.js';

// TTL 300 ms: a leader renews every 100 ms and gives up 270 ms (90%) after its last successful
// renewal was sent; with interval 1 s a follower contends every min(1000, 100) / 2 = 50 ms.
const TTL = 300;
const INTERVAL = 1_000;

const settle = () => new Promise((resolve) => setImmediate(resolve));

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A lock whose answers each test scripts; records when each method was called, by the fake clock. */
class ScriptedLock implements SyncLock {
  readonly calls: { method: 'acquire' | 'renew' | 'release'; at: number }[] = [];
  private fence = 0;
  acquireWith: () => Promise<SyncLease | undefined> = () =>
    Promise.resolve({ name: 'ns', holder: 'me', fence: ++this.fence });
  renewWith: () => Promise<boolean> = () => Promise.resolve(true);

  constructor(private readonly clock: { now(): number }) {}

  acquire(): Promise<SyncLease | undefined> {
    this.calls.push({ method: 'acquire', at: this.clock.now() });
    return this.acquireWith();
  }
  renew(): Promise<boolean> {
    this.calls.push({ method: 'renew', at: this.clock.now() });
    return this.renewWith();
  }
  release(): Promise<boolean> {
    this.calls.push({ method: 'release', at: this.clock.now() });
    return Promise.resolve(true);
  }
  current(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  times(method: 'acquire' | 'renew' | 'release'): number[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.at);
  }
}

describe('SyncLeaseKeeper (fake timers, injected monotonic clock)', () => {
  let clock: { t: number; now(): number };
  let lock: ScriptedLock;
  let keeper: SyncLeaseKeeper;
  let warnings: string[];
  /** Every term the listener heard, and when it ended (by the fake clock). */
  let terms: { term: SyncTerm; endedAt?: number }[];
  let t: TestContext;

  /** Moves the clock and the timers together, 1 ms at a time, letting promises settle between steps. */
  async function advance(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) {
      clock.t++;
      t.mock.timers.tick(1);
      await settle();
    }
  }

  function start(): Promise<void> {
    return keeper.start((term) => {
      if (term) terms.push({ term });
      else terms.at(-1)!.endedAt = clock.t;
    });
  }

  beforeEach((context) => {
    t = context as TestContext;
    t.mock.timers.enable({ apis: ['setTimeout'] });
    // Jitter factor 0.5 + random * 0.5 = 0.5: back-off delays become exact.
    t.mock.method(Math, 'random', () => 0);
    clock = { t: 0, now: () => clock.t };
    lock = new ScriptedLock(clock);
    warnings = [];
    Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn: (m: string) => warnings.push(m) });
    useTtl(TTL);
    terms = [];
  });

  function useTtl(leaseTtl: number): void {
    keeper = new SyncLeaseKeeper(
      normalizeSyncOptions({ interval: INTERVAL, leaseTtl, lock, store: new MemorySyncStore() }),
      clock,
    );
  }

  /** An answer that arrives `rtt` ms after the call (fake timers), as over a slow link. */
  function late<T>(value: T, rtt: number): Promise<T> {
    return new Promise((resolve) => setTimeout(() => resolve(value), rtt));
  }

  /** Starts on a slow link: the acquisition is answered after `rtt` ms too. */
  async function startSlow(rtt: number): Promise<void> {
    lock.acquireWith = () => late({ name: 'ns', holder: 'me', fence: 1 }, rtt);
    const started = start();
    await advance(rtt);
    await started;
    assert.equal(keeper.isLeader(), true);
  }

  /** Renewals answered `rtt` ms after they were sent, except those `lost` (by their 1-based number): never. */
  function slowRenewals(rtt: number, lost: number[]): void {
    let n = 0;
    lock.renewWith = () => (lost.includes(++n) ? new Promise(() => undefined) : late(true, rtt));
  }

  it('acquires at start, then renews every third of the TTL and stays leader', async () => {
    await start();
    assert.equal(keeper.isLeader(), true);
    assert.equal(terms.length, 1);
    assert.equal(keeper.current, terms[0].term);
    assert.equal(terms[0].term.lease.fence, 1);
    await advance(350);
    assert.deepEqual(lock.times('renew'), [100, 200, 300]);
    assert.equal(terms[0].term.valid(), true);
    assert.equal(terms[0].term.signal.aborted, false);
    assert.deepEqual(lock.times('acquire'), [0]);
  });

  it('steps down at once when a renewal is refused, without releasing, and contends again as a follower', async () => {
    await start();
    lock.renewWith = () => Promise.resolve(false);
    lock.acquireWith = () => Promise.resolve(undefined);
    await advance(360);
    assert.equal(terms[0].endedAt, 100);
    assert.equal(keeper.isLeader(), false);
    assert.equal(keeper.current, undefined);
    assert.ok(terms[0].term.signal.reason instanceof SyncError);
    assert.match(String(terms[0].term.signal.reason.message), /another process holds it/);
    assert.deepEqual(lock.times('release'), []);
    // Follower cadence: min(interval, TTL / 3) / 2 = 50 ms.
    assert.deepEqual(lock.times('acquire'), [0, 150, 200, 250, 300, 350]);
  });

  it('steps down when no renewal succeeded before 90% of the TTL, and releases in case a renewal hangs', async () => {
    await start();
    lock.renewWith = () => new Promise(() => undefined);
    lock.acquireWith = () => Promise.resolve(undefined);
    await advance(300);
    // Renewal 1 (t=100) times out after TTL / 3 at t=200; a leader retries after base / 2 * 0.5 = 25 ms.
    assert.deepEqual(lock.times('renew'), [100, 225]);
    assert.equal(terms[0].endedAt, 270);
    assert.deepEqual(lock.times('release'), [270]);
    assert.match(String(terms[0].term.signal.reason.message), /no successful renewal within 300 ms/);
    // One warning per streak of lock errors, plus the loss itself.
    assert.equal(warnings.filter((w) => /Could not reach the lock/.test(w)).length, 1);
    assert.equal(warnings.filter((w) => /Lost the lease/.test(w)).length, 1);
  });

  it('ends the term when the clock jumped past 90% of the TTL before any timer ran (a paused process)', async () => {
    await start();
    const { term } = terms[0];
    clock.t = 280;
    assert.equal(term.valid(), false);
    assert.equal(terms[0].endedAt, 280);
    assert.equal(keeper.isLeader(), false);
    assert.match(String(term.signal.reason.message), /ran out 10 ms ago/);
  });

  it('gives the lease back when a renewal succeeds after the watchdog ended the term', async () => {
    await start();
    const late = deferred<boolean>();
    let renewals = 0;
    lock.renewWith = () => (++renewals === 1 ? new Promise(() => undefined) : late.promise);
    lock.acquireWith = () => Promise.resolve(undefined);
    await advance(280);
    assert.equal(terms[0].endedAt, 270);
    assert.deepEqual(lock.times('release'), [270]);
    late.resolve(true);
    await settle();
    assert.deepEqual(lock.times('release'), [270, 280]);
    assert.equal(keeper.isLeader(), false);
    assert.equal(terms.length, 1);
  });

  it('backs off exponentially (capped at the TTL, jittered) while the lock is unreachable', async () => {
    lock.acquireWith = () => Promise.reject(new Error('connection refused'));
    await start();
    await advance(480);
    // 50 * 2^(n-1) capped at 300, times the jitter factor 0.5.
    assert.deepEqual(lock.times('acquire'), [0, 25, 75, 175, 325, 475]);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /Could not reach the lock of sync namespace "default": connection refused/);
    lock.acquireWith = () => Promise.resolve({ name: 'ns', holder: 'me', fence: 7 });
    await advance(150);
    assert.equal(keeper.isLeader(), true);
  });

  it('contends at once when poked, and not at all once stopped', async () => {
    lock.acquireWith = () => Promise.resolve(undefined);
    await start();
    await advance(10);
    keeper.poke();
    await settle();
    assert.deepEqual(lock.times('acquire'), [0, 10]);
    assert.equal(await keeper.stop(() => Promise.resolve()), false);
    await advance(200);
    assert.deepEqual(lock.times('acquire'), [0, 10]);
  });

  it('on stop, ends the term first, waits for the drain, then releases the lease', async () => {
    await start();
    const { term } = terms[0];
    const drain = deferred<void>();
    const stopped = keeper.stop(() => drain.promise);
    await settle();
    assert.equal(term.signal.aborted, true);
    assert.equal(terms[0].endedAt, 0);
    assert.deepEqual(lock.times('release'), [], 'not released while checks are still draining');
    drain.resolve();
    assert.equal(await stopped, true);
    assert.deepEqual(lock.times('release'), [0]);
    await advance(400);
    assert.equal(lock.calls.length, 2, 'no lock call after stop');
  });

  it('releases a lease granted after stop was called, without starting a term', async () => {
    const answer = deferred<SyncLease | undefined>();
    lock.acquireWith = () => answer.promise;
    const started = start();
    const stopped = keeper.stop(() => Promise.resolve());
    answer.resolve({ name: 'ns', holder: 'me', fence: 1 });
    await started;
    assert.equal(await stopped, false);
    assert.deepEqual(lock.times('release'), [0]);
    assert.equal(terms.length, 0);
  });

  it('stepDown ends the term without releasing; the next acquisition is a new term', async () => {
    await start();
    keeper.stepDown('the store holds a newer fence');
    assert.equal(terms[0].endedAt, 0);
    assert.match(String(terms[0].term.signal.reason.message), /newer fence/);
    await advance(60);
    assert.deepEqual(lock.times('acquire'), [0, 50]);
    assert.deepEqual(lock.times('release'), []);
    assert.equal(terms.length, 2);
    assert.equal(terms[1].term.lease.fence, 2);
  });

  describe('on a slow link (TTL 2000 ms: renewals due every 666.7 ms, step-down 1800 ms after a send)', () => {
    const SLOW_TTL = 2_000;
    beforeEach(() => useTtl(SLOW_TTL));

    it('sends a renewal every third of the TTL by the send clock, not drifting by the round trip', async () => {
      // 150 ms each way: scheduled from the answers, renewals came every 967 ms.
      await startSlow(300);
      slowRenewals(300, []);
      await advance(3_400);
      const sends = [0, ...lock.times('renew')];
      const gaps = sends.slice(1).map((at, i) => at - sends[i]);
      assert.equal(gaps.length, 5, `renewals at ${sends.join(', ')}`);
      // Each within the fake clock's 1 ms step of TTL / 3.
      for (const gap of gaps) assert.ok(gap >= SLOW_TTL / 3 && gap <= SLOW_TTL / 3 + 1, `gaps ${gaps.join(', ')}`);
      assert.equal(terms.length, 1);
      assert.equal(terms[0].endedAt, undefined);
    });

    it('survives one lost renewal when the round trip is at the documented bound (TTL / 10)', async () => {
      await startSlow(200);
      slowRenewals(200, [2]);
      await advance(2_700);
      // #1 at 667 (answered, step-down point 2467); #2 at 1334 lost, given up at 2001; the retry at
      // 2168 is answered at 2368, 99 ms before the step-down point; the next one is due from its send.
      assert.deepEqual(lock.times('renew'), [667, 1334, 2168, 2835]);
      assert.equal(terms[0].endedAt, undefined);
      assert.equal(terms[0].term.valid(), true);
      assert.deepEqual(lock.times('release'), []);
    });

    it('loses the lease to one lost renewal once the round trip passes 0.15 TTL (the bound is real)', async () => {
      await startSlow(320);
      slowRenewals(320, [2]);
      await advance(2_700);
      // The retry at 2168 would be answered at 2488: after the step-down point, 1800 ms after 667.
      assert.equal(terms[0].endedAt, 2467);
      assert.equal(keeper.isLeader(), false);
    });

    it('steps down before the lease expires when two renewals in a row are lost, and releases it', async () => {
      await startSlow(200);
      slowRenewals(200, [2, 3]);
      await advance(2_700);
      assert.deepEqual(lock.times('renew'), [667, 1334, 2168]);
      // The lock received #1 at 767 at the earliest, so the lease lasts until 2767 at least.
      assert.equal(terms[0].endedAt, 2467);
      assert.ok(terms[0].endedAt < 667 + SLOW_TTL);
      assert.match(String(terms[0].term.signal.reason.message), /no successful renewal within 2000 ms/);
      assert.deepEqual(lock.times('release'), [2467]);
    });

    it('counts a renewal answered after it was given up, by its send time, if it lands before the step-down point', async () => {
      // The case: 150 ms each way, and #2 (sent at 1334) held 700 ms by a partition, delivered at heal.
      await startSlow(300);
      let n = 0;
      lock.renewWith = () => (++n === 2 ? late(true, 700 + 300) : late(true, 300));
      await advance(2_500);
      // #2 is given up at 2001; the retry at 2168 would land at 2468, just after the step-down point at 2467,
      // but #2's own answer at 2334 already moved it to 1334 + 1800.
      assert.deepEqual(lock.times('renew').slice(0, 3), [667, 1334, 2168]);
      assert.equal(terms[0].endedAt, undefined);
      assert.equal(terms[0].term.valid(), true);
    });

    it('does not revive the term with a renewal answered after the step-down point; gives that lease back', async () => {
      await startSlow(200);
      let n = 0;
      lock.renewWith = () => (++n === 2 ? late(true, 1_300) : n === 3 ? new Promise(() => undefined) : late(true, 200));
      lock.acquireWith = () => Promise.resolve(undefined);
      await advance(2_700);
      // #2, sent at 1334, answers at 2634: after the step-down at 2467.
      assert.equal(terms[0].endedAt, 2467);
      assert.equal(keeper.isLeader(), false);
      assert.equal(terms.length, 1);
      assert.deepEqual(lock.times('release'), [2467, 2634]);
    });
  });

  describe('after the event loop was blocked for 2 × TTL (timers could not run)', () => {
    it('valid() is false and the signal aborted before any timer fires', async () => {
      await start();
      await advance(50);
      const { term } = terms[0];
      clock.t += 2 * TTL;
      assert.equal(term.valid(), false);
      assert.equal(term.signal.aborted, true);
      assert.match(String(term.signal.reason.message), /ran out 380 ms ago/);
      assert.equal(keeper.isLeader(), false);
    });

    it('the overdue renewal timer ends the term instead of renewing it, and contends for a new term', async () => {
      await start();
      await advance(50);
      clock.t += 2 * TTL;
      // When the loop resumes, the overdue timers run in order: first the renewal due at 100, which
      // must not extend a term that ran out at 270 (the watchdog, due at 270, comes after it).
      t.mock.timers.tick(2 * TTL);
      await settle();
      assert.deepEqual(lock.times('renew'), []);
      assert.equal(terms[0].endedAt, 650);
      assert.match(String(terms[0].term.signal.reason.message), /ran out 380 ms ago/);
      assert.deepEqual(lock.times('acquire'), [0, 650]);
      assert.equal(terms.length, 2);
      assert.equal(terms[1].term.lease.fence, 2);
    });
  });
});
