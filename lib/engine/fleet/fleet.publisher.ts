import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Subscription } from 'rxjs';
import { SYNC_OPTIONS } from '../../sync.constants.js';
import type { NormalizedSyncOptions } from '../../interfaces/sync-options.interface.js';
import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import { SyncRegistry } from '../../sync.registry.js';
import { SyncLeaseKeeper } from '../lease.keeper.js';
import { SyncReplicaState } from '../replica.state.js';
import { SyncFleetEntries } from './fleet.entries.js';

/**
 * ms between an install and the beat that announces it, at least. A beat describes every task,
 * so a beat per install would cost O(tasks²) when thousands of tasks install at once (a start, a
 * takeover): a burst of installs is announced by one beat instead.
 */
export const INSTALL_BEAT_DELAY = 20;

/**
 * ms between an install and its beat for `tasks` tasks: the larger of 20 ms and 10 µs per task
 * (100 ms at 10,000 tasks, 1 s at 100,000). Building and serialising a beat costs ~1–3 µs per
 * task, so during a burst of installs (a start, a takeover) beats keep to a fraction of a core.
 */
export function installBeatDelay(tasks: number): number {
  return Math.max(INSTALL_BEAT_DELAY, tasks / 100);
}

/**
 * Publishes this process's heartbeat through the store: who it is, whether it leads, and
 * per task the version it serves. Beats carry the lease TTL as expiry (a dead process leaves the
 * fleet within `leaseTtl`). Once per min(interval, leaseTtl / 3) it looks for news (leadership,
 * a replica's revision or origin) and beats if there is any; without news it beats only as often
 * as staying alive needs (every leaseTtl / 3, a third of the expiry). An install is announced
 * soon (one beat per burst, `installBeatDelay` after the first install of it). A beat serialises
 * every task, so beating every second an unchanged fleet of 10,000 tasks at 1 s was about a third
 * of the module's CPU; only a beat's `at` (`seenAt` in `fleet()`) ages more between beats. A clean
 * shutdown removes the beat. A store without heartbeat methods gets none; `fleet()` then lists
 * only this process.
 */
@Injectable()
export class SyncFleetPublisher implements OnModuleInit, BeforeApplicationShutdown {
  readonly startedAt = Date.now();
  private readonly logger = new Logger('SyncModule');
  private readonly host = hostname();
  private readonly entries: SyncFleetEntries;
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private errors = 0;
  /** The leadership and monotonic time of the last beat sent. */
  private sent: { leader: boolean; at: number } | undefined;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly keeper: SyncLeaseKeeper,
    private readonly state: SyncReplicaState,
    registry: SyncRegistry,
  ) {
    this.entries = new SyncFleetEntries(state, registry);
  }

  /** ms between two looks for news to beat. */
  get period(): number {
    return Math.min(this.options.interval, this.keepAlive);
  }

  /** ms between two beats at most: a third of their expiry, so two may be lost before the instance drops out. */
  get keepAlive(): number {
    return this.options.leaseTtl / 3;
  }

  onModuleInit(): void {
    this.subscription = this.state.changes$.subscribe((snapshot) => {
      this.entries.installed(snapshot.tag, Date.now());
      if (this.stopped || this.soon) return;
      this.soon = setTimeout(() => {
        this.soon = undefined;
        if (!this.stopped) this.beat(); // unless a look for news announced it already
      }, installBeatDelay(this.entries.size));
    });
  }

  /**
   * Starts beating. Called by the engine once the store is connected and this process has
   * joined (at bootstrap, or when a store that was down at bootstrap answers): a beat sent
   * before would hit a store that is not connected yet.
   */
  start(): void {
    if (typeof this.options.store.heartbeat !== 'function' || !this.stopped) return;
    this.stopped = false;
    this.sent = undefined; // the first beat goes out whatever the news
    this.beat();
  }

  async beforeApplicationShutdown(): Promise<void> {
    const wasRunning = !this.stopped;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.soon);
    this.subscription?.unsubscribe();
    await this.sending;
    if (wasRunning) await this.options.store.leave?.(this.options.name, this.keeper.holder).catch(() => undefined);
  }

  /** This process's beat now. */
  view(): SyncHeartbeat {
    return this.compose(this.entries.build().tasks);
  }

  private compose(tasks: SyncHeartbeat['tasks']): SyncHeartbeat {
    const { holder } = this.keeper;
    const leader = this.keeper.isLeader();
    return {
      instance: holder,
      host: this.host,
      pid: process.pid,
      startedAt: this.startedAt,
      at: Date.now(),
      leader,
      tasks,
    };
  }

  /** Whether a look may skip its beat: one was sent, same leadership, no replica changed, the next look soon enough. */
  private skips(): boolean {
    const { sent } = this;
    return (
      sent !== undefined &&
      sent.leader === this.keeper.isLeader() &&
      performance.now() - sent.at + this.period <= this.keepAlive &&
      !this.entries.changed()
    );
  }

  /**
   * Looks for news and beats if there is any or keeping alive needs it; when a beat is in flight, does
   * so once it is done (beats never overlap, so never arrive out of order).
   */
  private beat(): void {
    if (this.sending) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    if (this.skips()) {
      this.timer = setTimeout(() => this.beat(), this.period);
      return;
    }
    const { tasks, revisions } = this.entries.build();
    const beat = this.compose(tasks);
    this.entries.sent(revisions);
    this.sent = { leader: beat.leader, at: performance.now() };
    const { store, name, leaseTtl } = this.options;
    this.sending = store.heartbeat!(name, beat, leaseTtl).then(
      () => {
        if (this.errors > 0) this.logger.log(`Heartbeats of "${name}" go through again.`);
        this.errors = 0;
      },
      (error: unknown) => {
        this.sent = undefined; // the next look for news beats again, as before every period
        if (this.errors++ === 0) {
          const reason = error instanceof Error ? error.message : String(error);
          this.logger.warn(`Could not publish the heartbeat of "${name}" (fleet view): ${reason}. Retrying.`);
        }
      },
    );
    void this.sending.finally(() => {
      this.sending = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.beat();
      } else {
        this.timer = setTimeout(() => this.beat(), this.period);
      }
    });
  }
}
