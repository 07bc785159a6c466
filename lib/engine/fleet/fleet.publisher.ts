import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Subscription } from 'rxjs';
import { SYNC_OPTIONS } from '../../sync.constants.js';
import type { NormalizedSyncOptions } from '../../interfaces/sync-options.interface.js';
import type { SyncHeartbeat, SyncHeartbeatTask } from '../../backend/sync-heartbeat.interface.js';
import { SyncLeaseKeeper } from '../lease.keeper.js';
import { SyncReplicaState } from '../replica.state.js';

/**
 * Publishes this process's heartbeat through the store: who it is, whether it leads, and
 * per task the version it serves. Once per min(interval, leaseTtl / 3), with the lease TTL
 * as expiry (a dead process leaves the fleet within `leaseTtl`), and soon after an
 * install (one beat per burst, `INSTALL_BEAT_DELAY` ms after the first install of it) so a
 * new version shows in the fleet without waiting a period. A clean shutdown
 * removes the beat. A store without heartbeat methods gets none; `fleet()` then lists
 * only this process.
 */
/**
 * ms between an install and the beat that announces it. A beat describes every task, so a
 * beat per install would cost O(tasks²) when thousands of tasks install at once (a start, a
 * takeover): a burst of installs is announced by one beat instead.
 */
export const INSTALL_BEAT_DELAY = 20;

@Injectable()
export class SyncFleetPublisher implements OnModuleInit, BeforeApplicationShutdown {
  readonly startedAt = Date.now();
  private readonly logger = new Logger('SyncModule');
  private readonly host = hostname();
  private readonly installedAt = new Map<string, number>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private errors = 0;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly keeper: SyncLeaseKeeper,
    private readonly state: SyncReplicaState,
  ) {}

  /** ms between two beats. */
  get period(): number {
    return Math.min(this.options.interval, this.options.leaseTtl / 3);
  }

  onModuleInit(): void {
    this.subscription = this.state.changes$.subscribe((snapshot) => {
      this.installedAt.set(snapshot.tag, Date.now());
      if (this.stopped || this.soon) return;
      this.soon = setTimeout(() => {
        this.soon = undefined;
        if (!this.stopped) this.beat();
      }, INSTALL_BEAT_DELAY);
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
    const tasks: Record<string, SyncHeartbeatTask> = {};
    for (const status of this.state.status()) {
      const { tag, version } = status;
      const task: SyncHeartbeatTask = { revision: this.state.entry(tag).revision };
      if (version !== undefined) {
        task.version = version;
        // `origin` is in status() once local backups exist; until then every replica came from the store.
        task.origin = (status as { origin?: string }).origin ?? 'live';
        const installedAt = this.installedAt.get(tag);
        if (installedAt !== undefined) task.installedAt = installedAt;
      }
      tasks[tag] = task;
    }
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

  /** Sends a beat now, or once the one in flight is done (beats never overlap, so never arrive out of order). */
  private beat(): void {
    if (this.sending) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    const { store, name, leaseTtl } = this.options;
    this.sending = store.heartbeat!(name, this.view(), leaseTtl).then(
      () => {
        if (this.errors > 0) this.logger.log(`Heartbeats of "${name}" go through again.`);
        this.errors = 0;
      },
      (error: unknown) => {
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
