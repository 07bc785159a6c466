import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { NO_SHUTDOWN_HOOKS, NO_TASKS, READY_TIMEOUT } from '../sync.messages.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type { SyncStoreEvent } from '../backend/sync-store.interface.js';
import { SyncRegistry } from '../sync.registry.js';
import { SyncLeaseKeeper, type SyncTerm } from './lease.keeper.js';
import { SyncRefreshChannel } from './refresh.channel.js';
import { SyncReplicator } from './replicator.js';
import { SyncReplicaState } from './replica.state.js';
import { whenReady } from './ready.waiter.js';
import { SyncTaskRunner } from './task.runner.js';
import { SyncBackup } from './backup/backup.service.js';
import { SyncFleetPublisher } from './fleet/fleet.publisher.js';

/**
 * The engine's lifecycle: connects the backends and starts following and
 * contending at `onApplicationBootstrap`; stops the timers and releases the
 * lease at `beforeApplicationShutdown`; closes the backends at
 * `onApplicationShutdown`. It wires the parts together and owns no state of
 * its own: leadership is the lease keeper's, timers the runner's.
 * With `ready.wait`, bootstrap resolves only once every task has data.
 */
@Injectable()
export class SyncEngine implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('SyncModule');
  private started = false;
  private closed = false;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly registry: SyncRegistry,
    private readonly keeper: SyncLeaseKeeper,
    private readonly replicator: SyncReplicator,
    private readonly runner: SyncTaskRunner,
    private readonly channel: SyncRefreshChannel,
    private readonly state: SyncReplicaState,
    private readonly backup: SyncBackup,
    private readonly fleet: SyncFleetPublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { ready, sharedLock, name, leaseTtl } = this.options;
    // Nest adds its signal listeners in app.enableShutdownHooks(), which main.ts calls before
    // app.listen() runs this hook: none here means SIGTERM kills the process with the lease held.
    if (sharedLock && process.listenerCount('SIGTERM') === 0) this.logger.warn(NO_SHUTDOWN_HOOKS(name, leaseTtl));
    const tasks = this.registry.all().length > 0;
    // Serve what the last run saved before the first contact with the store; with backups on,
    // a store that does not answer does not fail the bootstrap: join in the background when it does.
    if (tasks) await this.backup.load();
    try {
      await this.connect();
    } catch (error) {
      if (!tasks || !this.backup.tolerates(error)) throw error;
      this.started = true;
      this.backup.start();
      this.backup.joinLater(error, () => this.connect().then(() => this.join()));
      // Backup data counts as data: with every task restored, the wait ends at once.
      if (ready.wait) await this.waitForData(ready.timeout);
      return;
    }
    if (!tasks) {
      this.logger.warn(NO_TASKS);
      return;
    }
    this.started = true;
    this.backup.start();
    await this.join();
    if (ready.wait) await this.waitForData(ready.timeout);
  }

  private async connect(): Promise<void> {
    await this.options.store.connect?.();
    await this.options.lock.connect?.();
  }

  /** Follows the store and contends for the lease (at bootstrap, or when a store that was down answers). */
  private async join(): Promise<void> {
    if (!this.started) return;
    this.channel.bind((tag) => this.runner.runNow(tag));
    await this.replicator.start((event) => this.onEvent(event));
    await this.keeper.start((term) => this.onTerm(term));
    this.fleet.start();
  }

  /**
   * Holds bootstrap until every task has data. On timeout, stops what bootstrap started
   * (Nest does not close an application whose init failed, and the timers would keep the
   * process alive) and fails with the tasks still missing.
   */
  private async waitForData(timeout: number): Promise<void> {
    try {
      await whenReady(this.state, this.registry.tags(), timeout, READY_TIMEOUT);
    } catch (error) {
      await this.beforeApplicationShutdown();
      await this.onApplicationShutdown();
      throw error;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.backup.stopJoining();
    this.channel.close();
    const released = await this.keeper.stop(() => this.runner.drain());
    if (released) {
      const event = { type: 'released', holder: this.keeper.holder } as const;
      await this.options.store.publish(this.options.name, event).catch(() => undefined);
    }
    await this.replicator.stop();
    await this.backup.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const results = await Promise.allSettled([this.options.store.close(), this.options.lock.close()]);
    for (const result of results) {
      if (result.status === 'rejected') this.logger.warn(`Closing a sync backend failed: ${String(result.reason)}`);
    }
  }

  private onEvent(event: SyncStoreEvent): void {
    if (event.type === 'released' && event.holder !== this.keeper.holder) this.keeper.poke();
    this.channel.onEvent(event);
  }

  private onTerm(term: SyncTerm | undefined): void {
    if (term) void this.lead(term);
    else this.runner.disarmAll();
  }

  /** A new leader first reads what the store holds, so it does not refetch data that did not change. */
  private async lead(term: SyncTerm): Promise<void> {
    await this.replicator.reconcile(true);
    if (this.keeper.current === term) this.runner.lead(term);
  }
}
