import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { SYNC_OPTIONS } from '../../sync.constants.js';
import type { NormalizedSyncOptions } from '../../interfaces/sync-options.interface.js';
import type { SyncVersion } from '../../backend/sync-version.js';
import { withTimeout } from '../../backend/with-timeout.util.js';
import { SyncError } from '../../sync.errors.js';
import { SyncLeaseKeeper } from '../lease.keeper.js';
import { SyncReplicaState, type SyncTaskState } from '../replica.state.js';
import { backupFileName, encodeBackup } from './backup.format.js';
import { peekBackupMeta, removeStaleTemps, writeAtomically } from './backup.files.js';
import { BACKUP_WRITE_FAILED, BACKUP_WRITE_RECOVERED } from './backup.messages.js';

/** What the file of a task holds as far as this process knows. */
interface Saved {
  version: SyncVersion;
  checkedAt: number;
}

/** ms the writer waits for the last writes at shutdown. */
const FLUSH_DEADLINE = 5_000;

/**
 * Writes each live snapshot this process installs to its task's backup file, off the read path:
 * an install only marks the task; the write runs later, one at a time per task, and takes the newest
 * snapshot at that moment, so a burst of versions costs one or two writes, never one per version.
 * A failed write (full disk, read-only directory) is counted in `status()`, logged once per streak,
 * and never reaches a reader or a check.
 *
 * A file also records when its version was last checked, which `backup.maxAge` is measured from. A
 * version that stays current for days must not look days old, so the file is rewritten when the known
 * check time moved by a refresh period (maxAge / 4, between max(interval, 1 s) and 5 min); a follower
 * learns check times from the store's heads, read once per refresh period.
 */
@Injectable()
export class SyncBackupWriter {
  /** Files written since start (for tests and diagnostics). */
  written = 0;
  private readonly logger = new Logger('SyncModule');
  private readonly saved = new Map<string, Saved>();
  private readonly wanted = new Set<string>();
  private readonly writing = new Map<string, Promise<void>>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncReplicaState,
    private readonly keeper: SyncLeaseKeeper,
  ) {}

  /** ms between refreshes of the check time in the files. */
  get refreshEvery(): number {
    const { maxAge } = this.options.backup!;
    const floor = Math.max(this.options.interval, 1_000);
    return Math.min(Math.max(maxAge / 4, floor), 5 * 60_000);
  }

  /** Gives each task its backup status (file path, no failure yet). */
  prepare(): void {
    const { dir } = this.options.backup!;
    for (const state of this.state.all()) {
      state.backup ??= {
        file: join(dir, backupFileName(state.task.tag)),
        savedAt: undefined,
        writeFailures: 0,
        lastError: undefined,
      };
    }
  }

  /** Notes what a file already holds (a loaded backup), so an unchanged version is not written again. */
  remember(tag: string, version: SyncVersion, checkedAt: number): void {
    this.saved.set(tag, { version, checkedAt });
  }

  /** Starts following installs. */
  start(): void {
    this.prepare();
    void removeStaleTemps(this.options.backup!.dir);
    this.subscription = this.state.changes$.subscribe((snapshot) => {
      if (this.state.entry(snapshot.tag).origin === 'live') this.want(snapshot.tag);
    });
    this.schedule();
  }

  /** Stops following installs and waits (boundedly) for the writes in flight. */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    const flushed = Promise.allSettled(this.writing.values());
    await withTimeout(flushed, FLUSH_DEADLINE, () => new SyncError('backup writes did not finish')).catch(
      () => undefined,
    );
  }

  /** Marks `tag` for a write; the write itself starts after the current synchronous step (the install). */
  want(tag: string): void {
    this.wanted.add(tag);
    if (!this.writing.has(tag)) this.writing.set(tag, this.drain(tag));
  }

  private async drain(tag: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.wanted.delete(tag)) {
      const state = this.state.entry(tag);
      if (state.snapshot && state.origin === 'live') await this.write(state);
    }
    this.writing.delete(tag);
  }

  private async write(state: SyncTaskState): Promise<void> {
    const { tag } = state.task;
    const snapshot = state.snapshot!;
    const backup = state.backup!;
    const checkedAt = state.lastCheckedAt ?? snapshot.modifiedAt.getTime();
    const modifiedAt = snapshot.modifiedAt.getTime();
    try {
      // Processes of one host may share the directory: never replace a file that holds newer news.
      const existing = await peekBackupMeta(backup.file);
      if (
        existing &&
        (existing.version === snapshot.version ? existing.checkedAt >= checkedAt : existing.modifiedAt > modifiedAt)
      ) {
        this.remember(tag, snapshot.version, checkedAt);
        return;
      }
      // The source's data, not a schema's output: the loader runs the schema on it again.
      const payload = Buffer.from(JSON.stringify(state.source ?? snapshot.data));
      const meta = {
        namespace: this.options.name,
        tag,
        version: snapshot.version,
        modifiedAt,
        checkedAt,
        savedAt: Date.now(),
      };
      await mkdir(this.options.backup!.dir, { recursive: true });
      await writeAtomically(backup.file, encodeBackup(meta, payload));
      this.written++;
      this.remember(tag, snapshot.version, checkedAt);
      state.backup = { ...backup, savedAt: new Date(meta.savedAt), lastError: undefined };
      if (backup.lastError !== undefined) this.logger.log(BACKUP_WRITE_RECOVERED(tag, backup.writeFailures));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (backup.lastError === undefined) this.logger.warn(BACKUP_WRITE_FAILED(tag, backup.file, error));
      state.backup = { ...backup, writeFailures: backup.writeFailures + 1, lastError: message };
    }
  }

  /** Every refresh period: learn check times (followers), then rewrite the files whose check time moved enough. */
  private schedule(): void {
    this.timer = setTimeout(async () => {
      await this.refresh().catch(() => undefined);
      if (this.timer) this.schedule();
    }, this.refreshEvery);
  }

  private async refresh(): Promise<void> {
    // A store that does not answer only means the check times stay as they are.
    if (!this.keeper.isLeader()) await this.learnCheckTimes().catch(() => undefined);
    for (const state of this.state.all()) {
      const saved = this.saved.get(state.task.tag);
      if (!state.snapshot || state.origin !== 'live' || state.lastCheckedAt === undefined) continue;
      if (
        !saved ||
        saved.version !== state.snapshot.version ||
        state.lastCheckedAt - saved.checkedAt >= this.refreshEvery
      ) {
        this.want(state.task.tag);
      }
    }
  }

  /** A follower's check times move only when the namespace changes: read them from the store's heads. */
  private async learnCheckTimes(): Promise<void> {
    const { store, name } = this.options;
    const heads = await withTimeout(store.heads(name), this.refreshEvery, () => new SyncError('no heads'));
    for (const state of this.state.all()) {
      const head = heads.get(state.task.tag);
      if (head && state.origin === 'live' && head.version === state.snapshot?.version) {
        this.state.seen(state, head.checkedAt);
      }
    }
  }
}
