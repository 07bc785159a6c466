import { Inject, Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import { SYNC_OPTIONS } from '../sync.constants.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type {
  SyncBackupStatus,
  SyncDataOrigin,
  SyncSnapshot,
  SyncTaskError,
  SyncTaskStatus,
  SyncVersion,
} from '../interfaces/sync-task.interface.js';
import type { SyncRecordHead } from '../backend/sync-store.interface.js';
import { SyncRegistry, type SyncTaskDefinition } from '../sync.registry.js';
import { deepFreeze } from './deep-freeze.util.js';

/** What this process knows of one task: its replica and its health. */
export interface SyncTaskState {
  readonly task: SyncTaskDefinition;
  /** The replica handed to readers (frozen), or none yet. */
  snapshot: SyncSnapshot | undefined;
  /** Store revision of `snapshot`; a record is installed only if newer. */
  revision: number;
  /** Fence of the record `snapshot` came from (0 for a backup): with `modifiedAt`, how new it is after a rewind. */
  fence: number;
  /**
   * Set when the store's revisions went back or forked (writes lost in a failover, or a reset): until this
   * time (`performance.now()`), a store record older than `snapshot` is not installed.
   */
  keepUntil: number | undefined;
  /** Version the store holds, as the leader last saw it; `undefined` = unknown, fetch DATA. */
  storedVersion: SyncVersion | undefined;
  lastCheckedAt: number | undefined;
  lastError: SyncTaskError | undefined;
  consecutiveFailures: number;
  failures: number;
  running: boolean;
  /** Where `snapshot` came from (backup: loaded from a file at start, until live data supersedes it). */
  origin: SyncDataOrigin | undefined;
  /** The backup file's state, kept by the backup writer; undefined when backups are off. */
  backup: SyncBackupStatus | undefined;
  /**
   * The data as the store holds it, when a schema transformed it for readers and backups are on:
   * a backup keeps the source's data, so it passes the schema again when it is loaded.
   */
  source: unknown;
}

/**
 * A record to install: a store record, or the leader's own write. `data` is what readers get;
 * `source`, when a schema transformed it, the data as the store holds it.
 */
export type SyncInstallable = Omit<SyncRecordHead, 'tag'> & { data: unknown; source?: unknown };

/** A snapshot read from a backup file (`source` as in `SyncInstallable`). */
export type SyncBackupInstallable = Pick<SyncRecordHead, 'version' | 'modifiedAt' | 'checkedAt'> & {
  data: unknown;
  source?: unknown;
};

/** What tells how new a record is once revisions went back: its lease's fence, then its writer's clock. */
export type SyncRecordAge = Pick<SyncRecordHead, 'version' | 'fence' | 'modifiedAt'>;

/**
 * The local replicas of every task in this process. Reads are a `Map` lookup;
 * installs happen once per version (newer store revision only), freeze the data
 * once, and announce the snapshot on `changes$`.
 */
@Injectable()
export class SyncReplicaState {
  /** Every snapshot installed in this process, in order. */
  readonly changes$ = new Subject<SyncSnapshot>();
  private readonly tasks = new Map<string, SyncTaskState>();
  private highest = 0;

  constructor(
    private readonly registry: SyncRegistry,
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
  ) {}

  /** @throws UnknownSyncTaskError for a tag no `@SyncTask` registered. */
  entry(tag: string): SyncTaskState {
    return this.tasks.get(tag) ?? this.create(tag);
  }

  /** Whether a `@SyncTask` registered `tag` (events may name tags of another build of the app). */
  has(tag: string): boolean {
    return this.registry.has(tag);
  }

  /** Every task's state in registration order. */
  all(): SyncTaskState[] {
    return this.registry.tags().map((tag) => this.entry(tag));
  }

  /**
   * The highest store revision installed since the last `rewind()`: the store's counter read lower
   * than it (after this was taken) went back.
   */
  get highestRevision(): number {
    return this.highest;
  }

  /** Installs `record` if it is newer than the replica; returns whether it did. */
  install(tag: string, record: SyncInstallable): boolean {
    const state = this.entry(tag);
    this.seen(state, record.checkedAt);
    if (record.revision <= state.revision) return false;
    // Live data of the version the replica already serves (from a backup, or kept over a rewind) only takes
    // the record's revision: no second change event.
    const kept = state.origin === 'backup' || state.keepUntil !== undefined;
    if (kept && state.snapshot?.version === record.version) {
      state.origin = 'live';
      this.track(state, record);
      return false;
    }
    const data = this.options.freeze ? deepFreeze(record.data) : record.data;
    state.snapshot = Object.freeze({ tag, version: record.version, data, modifiedAt: new Date(record.modifiedAt) });
    this.track(state, record);
    state.origin = 'live';
    state.source = this.options.backup ? record.source : undefined;
    this.changes$.next(state.snapshot);
    return true;
  }

  /**
   * Installs a snapshot loaded from a backup file, only while the task has no data at all: live data
   * always supersedes a backup, never the reverse. Its store revision stays 0, so any store record
   * (even of an older version: the store is the truth once it answers) replaces it.
   */
  installBackup(tag: string, record: SyncBackupInstallable): boolean {
    const state = this.entry(tag);
    if (state.snapshot) return false;
    const data = this.options.freeze ? deepFreeze(record.data) : record.data;
    state.snapshot = Object.freeze({ tag, version: record.version, data, modifiedAt: new Date(record.modifiedAt) });
    state.origin = 'backup';
    state.source = record.source;
    this.seen(state, record.checkedAt);
    this.changes$.next(state.snapshot);
    return true;
  }

  /** Notes a successful check time (the leader's own, or one read from the store). */
  seen(state: SyncTaskState, checkedAt: number): void {
    if (state.lastCheckedAt === undefined || checkedAt > state.lastCheckedAt) state.lastCheckedAt = checkedAt;
  }

  /** Counts a failure of `state`; returns true when it starts a streak (the one to log). */
  recordFailure(state: SyncTaskState, error: Error): boolean {
    state.failures++;
    state.lastError = { name: error.name, message: error.message, at: new Date() };
    return state.consecutiveFailures++ === 0;
  }

  /** Ends a failure streak; returns how many failures it had (0 when there was none). */
  recordSuccess(state: SyncTaskState): number {
    const streak = state.consecutiveFailures;
    state.consecutiveFailures = 0;
    return streak;
  }

  /**
   * The store's revisions went back or forked (writes lost in a failover, or a reset): forgets them,
   * so the next record of each task is judged whatever its revision, and keeps each live snapshot
   * against older records (`holds`) for two lease TTLs + the task's interval: the time a leader needs
   * to check the task again, which rewrites what the store lost (the old lease may live a TTL on the
   * promoted store, followers try to acquire twice per TTL, a new term checks every task at once, a
   * leader that kept its lease within the task's interval).
   */
  rewind(): void {
    const now = performance.now();
    this.highest = 0;
    for (const state of this.tasks.values()) {
      state.revision = 0;
      state.storedVersion = undefined;
      const live = state.snapshot !== undefined && state.origin === 'live';
      state.keepUntil = live ? now + 2 * this.options.leaseTtl + state.task.interval : undefined;
    }
  }

  /**
   * Whether a store record (or head) is older than the live snapshot, though of another version: by
   * fence (a later lease), then by its writer's clock within one lease. The store accepts a tag's
   * writes only in that order, so a record of a newer revision is never older, unless the store's
   * history went back or forked: a write kept from before the writes a failover lost.
   */
  isOlder(state: SyncTaskState, record: SyncRecordAge): boolean {
    const { snapshot } = state;
    if (!snapshot || state.origin !== 'live' || record.version === snapshot.version) return false;
    if (record.fence !== state.fence) return record.fence < state.fence;
    // A tie is not older: two writes of one lease in the same millisecond are in revision order.
    return record.modifiedAt < snapshot.modifiedAt.getTime();
  }

  /**
   * Whether a store record (or head) must not replace the replica: it is older (`isOlder`) and the
   * grace period of the last `rewind` is not over. The store wins after it, so a replica never keeps
   * for long data that no store holds.
   */
  holds(state: SyncTaskState, record: SyncRecordAge): boolean {
    const { keepUntil } = state;
    return keepUntil !== undefined && performance.now() < keepUntil && this.isOlder(state, record);
  }

  status(): SyncTaskStatus[] {
    const now = Date.now();
    return this.all().map((s) => ({
      tag: s.task.tag,
      version: s.snapshot?.version,
      modifiedAt: s.snapshot && new Date(s.snapshot.modifiedAt.getTime()),
      lastCheckedAt: s.lastCheckedAt === undefined ? undefined : new Date(s.lastCheckedAt),
      lastError: s.lastError,
      consecutiveFailures: s.consecutiveFailures,
      failures: s.failures,
      interval: s.task.interval,
      timeout: s.task.timeout,
      running: s.running,
      origin: s.snapshot && s.origin,
      ageMs: s.snapshot && s.lastCheckedAt !== undefined ? now - s.lastCheckedAt : undefined,
      backup: s.backup && { ...s.backup, savedAt: s.backup.savedAt && new Date(s.backup.savedAt.getTime()) },
    }));
  }

  /** Takes `record`'s revision and fence for the snapshot: it is the store's again, nothing left to keep. */
  private track(state: SyncTaskState, record: Pick<SyncInstallable, 'revision' | 'fence'>): void {
    state.revision = record.revision;
    state.fence = record.fence;
    state.keepUntil = undefined;
    if (record.revision > this.highest) this.highest = record.revision;
  }

  private create(tag: string): SyncTaskState {
    const state: SyncTaskState = {
      task: this.registry.get(tag),
      snapshot: undefined,
      revision: 0,
      fence: 0,
      keepUntil: undefined,
      storedVersion: undefined,
      lastCheckedAt: undefined,
      lastError: undefined,
      consecutiveFailures: 0,
      failures: 0,
      running: false,
      origin: undefined,
      backup: undefined,
      source: undefined,
    };
    this.tasks.set(tag, state);
    return state;
  }
}
