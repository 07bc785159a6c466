import type { SyncVersion } from '../backend/sync-version.js';

export type { SyncVersion };

/** What a `@SyncTask` method is asked for (lua-resty-sync's ACTION_VERSION / ACTION_DATA). */
export enum SyncAction {
  /** Return the cheap current version of the source. */
  VERSION = 'version',
  /** Return the data that goes with the current version. */
  DATA = 'data',
}

/** Second argument of a `@SyncTask` method. */
export interface SyncContext {
  /** The task's tag. */
  readonly tag: string;
  /** Aborts on timeout, on loss of leadership and on shutdown. */
  readonly signal: AbortSignal;
  /** The version stored before this check, if any. */
  readonly previousVersion?: SyncVersion;
}

/** One consistent view of a task: a version never paired with another version's data. */
export interface SyncSnapshot<T = unknown> {
  readonly tag: string;
  readonly version: SyncVersion;
  readonly data: T;
  readonly modifiedAt: Date;
}

/** Options of `@SyncTask(tag, options)`; each overrides the module's value for this task. */
export interface SyncTaskOptions {
  /** ms between the end of one check and the start of the next. */
  interval?: number;
  /** ms a callback may run before its signal aborts. */
  timeout?: number;
}

/** The last failure of a task, as `status()` shows it. */
export interface SyncTaskError {
  readonly name: string;
  readonly message: string;
  readonly at: Date;
}

/** Where the data a process serves came from: the store or its own check (`live`), or a backup file (`backup`). */
export type SyncDataOrigin = 'live' | 'backup';

/** The backup file of a task, when the module's `backup` option is set. */
export interface SyncBackupStatus {
  /** Absolute path of the file. */
  readonly file: string;
  /** When this process last wrote it (or, after a load, when the loaded file was written). */
  readonly savedAt: Date | undefined;
  /** Writes that failed since start (full disk, read-only directory...); reads are never affected. */
  readonly writeFailures: number;
  readonly lastError: string | undefined;
}

/** One task as `SyncService.status()` reports it, from this process's point of view. */
export interface SyncTaskStatus {
  readonly tag: string;
  readonly version: SyncVersion | undefined;
  readonly modifiedAt: Date | undefined;
  /** Last successful check known here (the leader's own, or the one stored with the snapshot). */
  readonly lastCheckedAt: Date | undefined;
  readonly lastError: SyncTaskError | undefined;
  /** Failures since the last success (0 when healthy). */
  readonly consecutiveFailures: number;
  /** Failures since start. */
  readonly failures: number;
  readonly interval: number;
  readonly timeout: number;
  /** A check of this task is in flight in this process. */
  readonly running: boolean;
  /** Where the data served came from; undefined while there is none. */
  readonly origin: SyncDataOrigin | undefined;
  /** ms since the data served was last known current (`lastCheckedAt`), when status() was called. */
  readonly ageMs: number | undefined;
  /** The task's backup file; undefined when backups are off. */
  readonly backup: SyncBackupStatus | undefined;
}
