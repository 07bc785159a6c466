import type { SyncVersion } from '../../backend/sync-version.js';

/** What one instance serves for one task, in `SyncService.fleet()`. */
export interface SyncFleetTask {
  tag: string;
  /** The version it serves; `undefined` before its first install. */
  version: SyncVersion | undefined;
  /** Store revision of that version (0 = none). */
  revision: number;
  /** `'live'` (from the store) or `'backup'` (from local disk at start); `undefined` without data. */
  origin: string | undefined;
  /** When that instance installed it (its own clock). */
  installedAt: Date | undefined;
  /** Whether another live instance serves a newer revision of this task. */
  lagging: boolean;
  /** While lagging: ms since the newest revision was first installed somewhere in the fleet. */
  lagMs: number | undefined;
}

/** One live instance of the namespace, as its heartbeat (or, for this process, its live state) says. */
export interface SyncFleetInstance {
  /** The lease holder id of that process: host, pid and a random suffix. */
  instance: string;
  host: string;
  pid: number;
  startedAt: Date;
  /**
   * When its latest full heartbeat was sent (now, for this process): the last change of its leadership or
   * tasks, as renewals keep an unchanged beat alive without resending it (with a store without
   * `renewHeartbeat`, at most leaseTtl / 3 ago).
   */
  seenAt: Date;
  leader: boolean;
  /** Whether it is the process that called `fleet()`. */
  self: boolean;
  /** Its tasks, in that instance's registration order. */
  tasks: SyncFleetTask[];
}
