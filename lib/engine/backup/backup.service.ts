import { Inject, Injectable } from '@nestjs/common';
import { SYNC_OPTIONS } from '../../sync.constants.js';
import type { NormalizedSyncOptions } from '../../interfaces/sync-options.interface.js';
import { SyncReplicaState } from '../replica.state.js';
import { SyncBackupLoader } from './backup.loader.js';
import { isStoreOutage, SyncStoreRejoin, type SyncStoreOutage } from './backup.rejoin.js';
import { SyncBackupWriter } from './backup.writer.js';

/**
 * What the engine sees of the backups: load at start, write while running, and — with backups on — start
 * on backup data when the store is down at bootstrap. Every method is a no-op when `backup` is not set.
 */
@Injectable()
export class SyncBackup {
  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncReplicaState,
    private readonly loader: SyncBackupLoader,
    private readonly writer: SyncBackupWriter,
    private readonly rejoin: SyncStoreRejoin,
  ) {}

  get enabled(): boolean {
    return this.options.backup !== undefined;
  }

  /** The store outage the process started in and has not recovered from yet. */
  get outage(): SyncStoreOutage | undefined {
    return this.rejoin.outage;
  }

  /** Loads every task's backup (before any contact with the store or the source). */
  async load(): Promise<void> {
    if (this.enabled) await this.loader.load();
  }

  /** Starts writing installed snapshots. */
  start(): void {
    if (this.enabled) this.writer.start();
  }

  /** Whether the bootstrap may go on without the store after `error` (backups on, and an outage). */
  tolerates(error: unknown): boolean {
    return this.enabled && isStoreOutage(error);
  }

  /** Retries `join` in the background after `error`. */
  joinLater(error: unknown, join: () => Promise<void>): void {
    const states = this.state.all();
    this.rejoin.retry(error, join, states.filter((s) => s.origin === 'backup').length, states.length);
  }

  /** Stops retrying to join (first step of shutdown). */
  stopJoining(): Promise<void> {
    return this.rejoin.stop();
  }

  /** Stops writing, after the writes in flight (last step of shutdown, once no check can install). */
  async stop(): Promise<void> {
    if (this.enabled) await this.writer.stop();
  }
}
