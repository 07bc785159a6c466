import type { SyncLock } from '../backend/sync-lock.interface.js';
import type { SyncStore } from '../backend/sync-store.interface.js';
import type { SyncTelemetryOption } from '../engine/telemetry/telemetry.options.js';

/** Options of `SyncModule.forRoot()` / the factory of `forRootAsync()`. */
export interface SyncModuleOptions {
  /** ms between the end of one check and the start of the next (required; finite, > 0). */
  interval: number;
  /** Where snapshots live; default `new MemorySyncStore()` (this process only). */
  store?: SyncStore;
  /** Leader election; default `new MemorySyncLock()` (this process only). */
  lock?: SyncLock;
  /** Namespace of the keys and of the lease; default `'default'`. */
  name?: string;
  /** ms a callback may run before its signal aborts; default 30 000. */
  timeout?: number;
  /** At most this many checks run at once in the leader; default unlimited. */
  concurrency?: number;
  /** ms a lease lives unless renewed: a crashed leader is replaced within it; default 15 000. */
  leaseTtl?: number;
  /** Deep-freeze the data handed to readers; default `true`. */
  freeze?: boolean;
  /**
   * Largest DATA result accepted, in bytes of its JSON; a larger one fails the check and keeps the last data. Default:
   * no limit.
   */
  maxDataBytes?: number;
  /**
   * Metrics and traces through `@opentelemetry/api` (global providers by default, or the ones given here);
   * `false` turns them off. See the README, "Observability".
   */
  telemetry?: SyncTelemetryOption;
}

/** The options after `normalizeSyncOptions()`: every default filled in. */
export interface NormalizedSyncOptions {
  readonly interval: number;
  readonly store: SyncStore;
  readonly lock: SyncLock;
  readonly name: string;
  readonly timeout: number;
  readonly concurrency: number;
  readonly leaseTtl: number;
  readonly freeze: boolean;
  readonly maxDataBytes: number;
}
