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
}
