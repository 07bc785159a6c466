import type { SyncVersion } from './sync-version.js';

/** What one process serves for one task, as its heartbeat says. */
export interface SyncHeartbeatTask {
  /** The version it serves; absent before its first install. */
  version?: SyncVersion;
  /** Store revision of that version (0 = none): comparable across processes, unlike versions. */
  revision: number;
  /** Where the data came from: `'live'` (the store) or `'backup'` (local disk at start). */
  origin?: string;
  /** When this process installed it (epoch ms, its own clock). */
  installedAt?: number;
}

/**
 * One process's heartbeat: who it is and what it serves. Versions and metadata only, never
 * data. Stores keep it as opaque JSON under `instance`, for the TTL given with it.
 */
export interface SyncHeartbeat {
  /** Unique per process run (the lease holder id: host, pid, random suffix). */
  instance: string;
  host: string;
  pid: number;
  /** Epoch ms. */
  startedAt: number;
  /** When the beat was sent (epoch ms, the sender's clock). */
  at: number;
  /** Whether it held the lease when it sent the beat. */
  leader: boolean;
  /** Per task tag. */
  tasks: Record<string, SyncHeartbeatTask>;
}
