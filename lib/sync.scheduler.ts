import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { SYNC_OPTIONS } from './sync.constants.js';
import { SyncTimeoutError } from './sync.errors.js';
import { REFRESH_TIMEOUT } from './sync.messages.js';
import type { NormalizedSyncOptions } from './interfaces/sync-options.interface.js';
import type { SyncSnapshot } from './interfaces/sync-task.interface.js';
import type { SyncStoreEvent } from './stores/sync-store.interface.js';
import { SyncChecker, type SyncCheckOutcome } from './scheduler/sync.checker.js';
import { SyncFollower } from './scheduler/sync-follower.js';
import { SyncLeaseKeeper, type SyncTerm } from './scheduler/sync-lease.keeper.js';
import { Semaphore } from './scheduler/semaphore.js';
import { SyncRegistry } from './sync.registry.js';
import { SyncState, type SyncTaskState } from './sync.state.js';
import { withTimeout } from './utils/with-timeout.util.js';

/**
 * Runs the tasks while this process leads: each task on its own fixed-delay
 * timer (the next check is armed when the previous one ends, so checks of a
 * task never overlap), under an optional concurrency limit, in registration
 * order. Starts at `onApplicationBootstrap`, stops its timers and releases the
 * lease at `beforeApplicationShutdown`, closes the backends at `onApplicationShutdown`.
 * Timers are visible in `@nestjs/schedule`'s `SchedulerRegistry` as `sync:<name>:<tag>`.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('SyncModule');
  private readonly timers: SchedulerRegistry;
  private readonly chains = new Map<string, Promise<SyncCheckOutcome | undefined>>();
  private readonly queued = new Map<string, Promise<SyncCheckOutcome | undefined>>();
  private readonly timerNames = new Map<string, string>();
  private readonly answers = new Map<string, (revision: number | undefined) => void>();
  private readonly slots: Semaphore;
  private term: SyncTerm | undefined;
  private started = false;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly registry: SyncRegistry,
    private readonly state: SyncState,
    private readonly keeper: SyncLeaseKeeper,
    private readonly follower: SyncFollower,
    private readonly checker: SyncChecker,
    @Optional() schedulerRegistry?: SchedulerRegistry,
  ) {
    // The app's registry when it imports ScheduleModule, so it sees our timers; our own otherwise.
    this.timers = schedulerRegistry ?? new SchedulerRegistry();
    this.slots = new Semaphore(options.concurrency);
  }

  /** Whether this process holds the lease now. */
  isLeader(): boolean {
    return this.term !== undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { store, lock } = this.options;
    await store.connect?.();
    await lock.connect?.();
    if (this.registry.all().length === 0) {
      this.logger.warn('SyncModule found no @SyncTask methods: nothing to sync. Decorate a provider method with @SyncTask(tag).');
      return;
    }
    this.started = true;
    await this.follower.start((event) => this.onEvent(event));
    await this.keeper.start((term) => this.onTerm(term));
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const released = await this.keeper.stop(() => Promise.allSettled(this.chains.values()));
    if (released) {
      await this.options.store.publish(this.options.name, { type: 'released', holder: this.keeper.holder }).catch(() => undefined);
    }
    await this.follower.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    const results = await Promise.allSettled([this.options.store.close(), this.options.lock.close()]);
    for (const result of results) {
      if (result.status === 'rejected') this.logger.warn(`Closing a sync backend failed: ${String(result.reason)}`);
    }
  }

  /**
   * Checks `tag` now: here when this process leads, else by asking the leader
   * through the store and waiting for its answer.
   * @returns the snapshot after the check (the last good one if it failed).
   */
  async refresh(tag: string): Promise<SyncSnapshot | undefined> {
    const state = this.state.entry(tag);
    if (this.term) {
      await this.run(state, this.term);
      return state.snapshot;
    }
    if (!this.started) return state.snapshot;
    const { store, name } = this.options;
    const id = randomUUID();
    const answered = new Promise<number | undefined>((resolve) => this.answers.set(id, resolve));
    const ms = state.task.timeout * 2 + this.options.interval;
    try {
      await store.publish(name, { type: 'refresh', tag, id });
      const revision = await withTimeout(answered, ms, () => new SyncTimeoutError(REFRESH_TIMEOUT(tag, ms), { tag }));
      if (revision !== undefined) await this.follower.catchUp(tag, revision);
      return state.snapshot;
    } finally {
      this.answers.delete(id);
    }
  }

  private onEvent(event: SyncStoreEvent): void {
    if (event.type === 'released' && event.holder !== this.keeper.holder) this.keeper.poke();
    if (event.type === 'refreshed') this.answers.get(event.id)?.(event.revision);
    if (event.type === 'refresh' && this.term && this.registry.has(event.tag)) void this.answer(event.tag, event.id);
  }

  private async answer(tag: string, id: string): Promise<void> {
    const state = this.state.entry(tag);
    if (this.term) await this.run(state, this.term);
    await this.options.store.publish(this.options.name, { type: 'refreshed', tag, id, revision: state.revision }).catch(() => undefined);
  }

  private onTerm(term: SyncTerm | undefined): void {
    this.term = term;
    if (term) void this.lead(term);
    else for (const tag of this.registry.tags()) this.disarm(tag);
  }

  /** A new leader first reads what the store holds, so it does not refetch data that did not change. */
  private async lead(term: SyncTerm): Promise<void> {
    await this.follower.reconcile(true);
    if (this.term !== term) return;
    for (const state of this.state.all()) this.arm(state, term, 0);
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
      if (this.term !== term) return undefined;
      await this.slots.acquire();
      try {
        return this.term === term ? await this.checker.check(state, term) : undefined;
      } finally {
        this.slots.release();
      }
    });
    this.chains.set(tag, run);
    this.queued.set(tag, run);
    void run.then((outcome) => {
      // Only the term that was refused steps down, never a newer one of this process.
      if (outcome === 'fenced' && this.term === term) this.keeper.stepDown('the store holds a newer fence');
      if (this.chains.get(tag) !== run) return;
      this.chains.delete(tag);
      if (this.term === term) this.arm(state, term, state.task.interval);
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
