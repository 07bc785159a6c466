import { Inject, Injectable, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SYNC_OPTIONS } from '../sync.constants.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import { SyncLeaseKeeper, type MonotonicClock, type SyncTerm } from './lease.keeper.js';
import { SyncReplicaState, type SyncTaskState } from './replica.state.js';
import { Semaphore } from './semaphore.js';
import { SyncTaskChecker, type SyncCheckOutcome } from './task.checker.js';
import { SyncTaskBucket, type SyncTaskSlot } from './task.bucket.js';

/**
 * The token Nest looks the runner's optional clock up by. No module provides it, so an app gets
 * `performance`; unit specs pass a fake clock (fake timers cannot mock `performance.now()`).
 */
const RUNNER_CLOCK = Symbol('SYNC_RUNNER_CLOCK');

/**
 * How many due checks one macrotask starts; the rest of a tick follows at `setImmediate`. A tick of
 * 100,000 tasks started at once kept every check's objects alive together until its batch returned,
 * more than the young generation holds, so they were promoted and collected by full GCs (4.6–5.2 %
 * of a core at 100,000 tasks at 10 s; 3.3 % in slices of 2,048). Each slice's unchanged checks
 * still go to the store in one call.
 */
export const SYNC_TICK_SLICE = 2_048;

/**
 * Runs the tasks while this process leads. Tasks that share an interval share one timer (a
 * bucket: see task.bucket.ts), visible in `@nestjs/schedule`'s `SchedulerRegistry` as
 * `sync:<name>:every-<interval>ms`; each task keeps a fixed delay of its own (its next check is
 * due `interval` ms after its previous one ended, so its checks never overlap), under an optional
 * concurrency limit, in registration order. It never decides leadership: it asks the lease keeper.
 */
@Injectable()
export class SyncTaskRunner {
  private readonly timers: SchedulerRegistry;
  private readonly slots = new Map<string, SyncTaskSlot>();
  private readonly buckets = new Map<number, SyncTaskBucket>();
  private readonly limit: Semaphore | undefined;
  private term: SyncTerm | undefined;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncReplicaState,
    private readonly keeper: SyncLeaseKeeper,
    private readonly checker: SyncTaskChecker,
    @Optional() schedulerRegistry?: SchedulerRegistry,
    @Optional() @Inject(RUNNER_CLOCK) private readonly clock: MonotonicClock = performance,
  ) {
    // The app's registry when it imports ScheduleModule, so it sees our timers; our own otherwise.
    this.timers = schedulerRegistry ?? new SchedulerRegistry();
    // No semaphore without a limit: one promise less per check.
    this.limit = Number.isFinite(options.concurrency) ? new Semaphore(options.concurrency) : undefined;
  }

  /** Makes every task due at once, in registration order, for `term`. */
  lead(term: SyncTerm): void {
    this.disarmAll();
    this.term = term;
    const now = this.clock.now();
    for (const state of this.state.all()) {
      const slot = this.slot(state);
      slot.bucket.schedule(slot, now);
    }
  }

  /** Disarms every timer (the term ended); checks in flight finish or abort on their own. */
  disarmAll(): void {
    this.term = undefined;
    for (const bucket of this.buckets.values()) bucket.clear();
  }

  /** Settles when every check in flight has ended. */
  async drain(): Promise<void> {
    const running: Promise<unknown>[] = [];
    for (const slot of this.slots.values()) if (slot.running) running.push(slot.running);
    await Promise.allSettled(running);
  }

  /**
   * Checks `tag` now under the current term (after the check in flight, if any);
   * resolves when done, or at once when this process does not lead.
   */
  async runNow(tag: string): Promise<void> {
    const term = this.keeper.current;
    if (term) await this.run(this.slot(this.state.entry(tag)), term);
  }

  /**
   * Runs a check after the one in flight for this task, then schedules the next one. A check
   * that is queued but not started yet is joined, not repeated: refresh requests from many
   * followers cost one check, not one each.
   */
  private run(slot: SyncTaskSlot, term: SyncTerm): Promise<SyncCheckOutcome | undefined> {
    slot.bucket.unschedule(slot);
    if (slot.queued) return slot.queued;
    let run: Promise<SyncCheckOutcome | undefined>;
    if (slot.running) {
      const queued = slot.running.then(() => {
        slot.queued = undefined;
        return this.check(slot.state, term);
      });
      slot.queued = run = queued;
    } else {
      run = this.check(slot.state, term);
    }
    slot.running = run;
    void run.then((outcome) => this.ended(slot, term, run, outcome));
    return run;
  }

  private check(state: SyncTaskState, term: SyncTerm): Promise<SyncCheckOutcome | undefined> {
    if (this.keeper.current !== term) return Promise.resolve(undefined);
    return this.limit ? this.limited(this.limit, state, term) : this.checker.check(state, term);
  }

  private async limited(limit: Semaphore, state: SyncTaskState, term: SyncTerm): Promise<SyncCheckOutcome | undefined> {
    await limit.acquire();
    try {
      return this.keeper.current === term ? await this.checker.check(state, term) : undefined;
    } finally {
      limit.release();
    }
  }

  private ended(
    slot: SyncTaskSlot,
    term: SyncTerm,
    run: Promise<SyncCheckOutcome | undefined>,
    outcome: SyncCheckOutcome | undefined,
  ): void {
    // Only the term that was refused steps down, never a newer one of this process.
    if (outcome === 'fenced' && this.keeper.current === term) this.keeper.stepDown('the store holds a newer fence');
    if (slot.running !== run) return;
    slot.running = undefined;
    if (this.keeper.current === term && this.term === term) {
      slot.bucket.schedule(slot, this.clock.now() + slot.bucket.interval);
    }
  }

  /**
   * Runs what a bucket's timer found due, under the term the tasks were scheduled for, in slices of
   * SYNC_TICK_SLICE (in order) from `from`.
   */
  private fire(due: SyncTaskSlot[], from = 0): void {
    const term = this.term;
    if (!term) return;
    const end = Math.min(due.length, from + SYNC_TICK_SLICE);
    for (let i = from; i < end; i++) {
      const slot = due[i];
      // A later slice skips a task that runNow started (or that ended and is scheduled again) meanwhile.
      if (from > 0 && (slot.running || slot.ticket !== 0)) continue;
      void this.run(slot, term);
    }
    if (end < due.length) setImmediate(() => this.fire(due, end));
  }

  private slot(state: SyncTaskState): SyncTaskSlot {
    let slot = this.slots.get(state.task.tag);
    if (!slot) {
      slot = { state, bucket: this.bucket(state.task.interval), ticket: 0, running: undefined, queued: undefined };
      this.slots.set(state.task.tag, slot);
    }
    return slot;
  }

  private bucket(interval: number): SyncTaskBucket {
    let bucket = this.buckets.get(interval);
    if (!bucket) {
      const name = `sync:${this.options.name}:every-${interval}ms`;
      bucket = new SyncTaskBucket(interval, name, this.timers, this.clock, (due) => this.fire(due));
      this.buckets.set(interval, bucket);
    }
    return bucket;
  }
}
