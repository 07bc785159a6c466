import type { SyncVersion } from '../backend/sync-version.js';
import type { SyncFleetInstance } from '../engine/fleet/fleet.types.js';

/** One task as the status page shows it: versions, times and counts, never data nor error texts. */
export interface SyncStatusTask {
  tag: string;
  version: SyncVersion | undefined;
  /** ISO time the current version was fetched by the leader. */
  modifiedAt: string | undefined;
  /** ISO time of the last successful check seen by this process. */
  lastCheckedAt: string | undefined;
  interval: number;
  failures: number;
  consecutiveFailures: number;
  /**
   * The last error's class and time. Not its message: messages may quote what a callback returned
   * (e.g. a value that is not JSON), and the page must never show data.
   */
  lastError: { name: string; at: string } | undefined;
}

/** What the status page, its JSON endpoint and its event stream carry. */
export interface SyncStatusSnapshot {
  namespace: string;
  /** `memory`, `redis`, `postgres`… (the store's class name). */
  backend: string;
  /** The lease as the lock reports it, or `null` when no process holds it (or the lock did not answer). */
  lease: { holder: string; fence: number } | null;
  tasks: SyncStatusTask[];
  /** Every live instance (see `SyncService.fleet()`), with dates as ISO strings. */
  fleet: (Omit<SyncFleetInstance, 'startedAt' | 'seenAt' | 'tasks'> & {
    startedAt: string;
    seenAt: string;
    tasks: (Omit<SyncFleetInstance['tasks'][number], 'installedAt'> & { installedAt: string | undefined })[];
  })[];
  generatedAt: string;
}

/** A snapshot's identity for "did anything change": without the times that move at every beat. */
export function snapshotKey(snapshot: SyncStatusSnapshot): string {
  return JSON.stringify({
    ...snapshot,
    generatedAt: undefined,
    fleet: snapshot.fleet.map((instance) => ({ ...instance, seenAt: undefined })),
  });
}
