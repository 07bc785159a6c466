import { Inject, Injectable, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SYNC_OPTIONS } from '../sync.constants.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import { SyncLeaseKeeper, type SyncTerm } from './lease.keeper.js';
import { SyncReplicaState, type SyncTaskState } from './replica.state.js';
import { Semaphore } from './semaphore.js';
import { SyncTaskChecker, type SyncCheckOutcome } from './task.checker.js';

/**
 * Runs the tasks while this process leads: each task on its own fixed-delay
 * timer (the next check is armed when the previous one ends, so checks of a
 * task never overlap), under an optional concurrency limit, in registration
 * order. Timers are visible in `@nestjs/schedule`'s `SchedulerRegistry` as
 * `sync:<name>:<tag>`. It never decides leadership: it asks the lease keeper.
 */
@Injectable()
export class SyncTaskRunner {
  private readonly timers: SchedulerRegistry;
  private readonly chains = new Map<string, Promise<SyncCheckOutcome | undefined>>();
  private readonly queued = new Map<string, Promise<SyncCheckOutcome | undefined>>();
  private readonly timerNames = new Map<string, string>();
  private readonly slots: Semaphore;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncReplicaState,
    private readonly keeper: SyncLeaseKeeper,
    private readonly checker: SyncTaskChecker,
    @Optional() schedulerRegistry?: SchedulerRegistry,
  ) {
    // The app's registry when it imports ScheduleModule, so it sees our timers; our own otherwise.
    this.timers = schedulerRegistry ?? new SchedulerRegistry();
    this.slots = new Semaphore(options.concurrency);
  }

  /** Arms every task at once, in registration order, for `term`. */
  lead(term: SyncTerm): void {
    for (const state of this.state.all()) this.arm(state, term, 0);
  }

  /** Disarms every timer (the term ended); checks in flight finish or abort on their own. */
  disarmAll(): void {
    for (const state of this.state.all()) this.disarm(state.task.tag);
  }

  /** Settles when every check in flight has ended. */
  async drain(): Promise<void> {
    await Promise.allSettled(this.chains.values());
  }

  /**
   * Checks `tag` now under the current term (after the check in flight, if any);
   * resolves when done, or at once when this process does not lead.
   */
  async runNow(tag: string): Promise<void> {
    const term = this.keeper.current;
    if (term) await this.run(this.state.entry(tag), term);
  }

  /**
   * Runs a check after the one in flight for this task, then arms the next one. A check
   * that is queued but not started yet is joined, not repeated: refresh requests from many
   * followers cost one check, not one each.
   */
  private run(state: SyncTaskState, term: SyncTerm): Promise<SyncCheckOutcome | undefined> {
    const { tag } = state.task;
    this.disarm(tag);
    const queued = this.queued.get(tag);
    if (queued) return queued;
    const run = (this.chains.get(tag) ?? Promise.resolve(undefined)).then(async () => {
      this.queued.delete(tag);
      if (this.keeper.current !== term) return undefined;
      await this.slots.acquire();
      try {
        return this.keeper.current === term ? await this.checker.check(state, term) : undefined;
      } finally {
        this.slots.release();
      }
    });
    this.chains.set(tag, run);
    this.queued.set(tag, run);
    void run.then((outcome) => {
      // Only the term that was refused steps down, never a newer one of this process.
      if (outcome === 'fenced' && this.keeper.current === term) this.keeper.stepDown('the store holds a newer fence');
      if (this.chains.get(tag) !== run) return;
      this.chains.delete(tag);
      if (this.keeper.current === term) this.arm(state, term, state.task.interval);
    });
    return run;
  }

  private arm(state: SyncTaskState, term: SyncTerm, delay: number): void {
    const { tag } = state.task;
    this.disarm(tag);
    const timer = setTimeout(() => void this.run(state, term), delay);
    this.timers.addTimeout(this.timerName(tag), timer);
  }

  private disarm(tag: string): void {
    const name = this.timerName(tag);
    if (this.timers.doesExist('timeout', name)) this.timers.deleteTimeout(name);
  }

  private timerName(tag: string): string {
    let name = this.timerNames.get(tag);
    if (name === undefined) this.timerNames.set(tag, (name = `sync:${this.options.name}:${tag}`));
    return name;
  }
}
