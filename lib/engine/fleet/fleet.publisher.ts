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
 * as staying alive needs (every leaseTtl / 3, a third of the expiry), and with a store that has
 * `renewHeartbeat` only extends the beat it sent (the full beat again if that had expired). An
 * install is announced soon (one beat per burst, `installBeatDelay` after the first install of it).
 * A beat serialises every task: 100,000 tasks make an 8.5 MB beat, and resending it every leaseTtl / 3
 * only to keep it alive was 6–10% of a core. So a beat's `at` (`seenAt` in `fleet()`) is the time of
 * its last change, or of its last keep-alive with a store that cannot renew. A clean shutdown removes
 * the beat. A store without heartbeat methods gets none; `fleet()` then lists only this process.
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

  /** Whether the beat would say what the last one sent says: same leadership, no replica changed. */
  private unchanged(): boolean {
    return this.sent !== undefined && this.sent.leader === this.keeper.isLeader() && !this.entries.changed();
  }

  /** Whether an unchanged process may skip this look: the next one still comes within `keepAlive`. */
  private due(): boolean {
    return performance.now() - this.sent!.at + this.period > this.keepAlive;
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
    const unchanged = this.unchanged();
    if (unchanged && !this.due()) {
      this.timer = setTimeout(() => this.beat(), this.period);
      return;
    }
    this.sending = unchanged && this.options.store.renewHeartbeat ? this.renew() : this.send();
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

  /** Sends the full beat: every task's entry. */
  private send(): Promise<void> {
    const { tasks, revisions } = this.entries.build();
    const beat = this.compose(tasks);
    this.entries.sent(revisions);
    this.sent = { leader: beat.leader, at: performance.now() };
    const { store, name, leaseTtl } = this.options;
    return store.heartbeat!(name, beat, leaseTtl).then(
      () => this.succeeded(),
      (error: unknown) => this.failed(error),
    );
  }

  /** Extends the beat sent, unchanged since, without building it again; the full beat if it expired meanwhile. */
  private async renew(): Promise<void> {
    const { store, name, leaseTtl } = this.options;
    const at = performance.now();
    let renewed: boolean;
    try {
      renewed = await store.renewHeartbeat!(name, this.keeper.holder, leaseTtl);
    } catch (error) {
      return this.failed(error);
    }
    if (renewed) {
      this.sent = { ...this.sent!, at };
      return this.succeeded();
    }
    // Expired (a long stall, a store that lost it) or never stored: the fleet no longer lists this process.
    if (!this.stopped) await this.send();
  }

  private succeeded(): void {
    if (this.errors > 0) this.logger.log(`Heartbeats of "${this.options.name}" go through again.`);
    this.errors = 0;
  }

  private failed(error: unknown): void {
    this.sent = undefined; // the next look for news sends the full beat, as before every period
    if (this.errors++ === 0) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`Could not publish the heartbeat of "${this.options.name}" (fleet view): ${reason}. Retrying.`);
    }
  }
}
