import type { SyncLock } from '../backend/sync-lock.interface.js';
import type { SyncStore } from '../backend/sync-store.interface.js';
import type { SyncTelemetryOption } from './sync-telemetry-options.interface.js';

/** Module option `ready`: whether bootstrap waits for the first data of every task. */
export interface SyncReadyOptions {
  /**
   * Hold `app.init()` / `app.listen()` until every task has data (read from the store or
   * fetched by this process); default `false` (start at once, reads return `undefined` until then).
   */
  wait?: boolean;
  /** ms to wait before bootstrap fails with `SyncTimeoutError` naming the tasks still missing; default 30 000. */
  timeout?: number;
}

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
  /** Wait at bootstrap for the first data of every task; off by default. */
  ready?: SyncReadyOptions;
  /** Last-known-good snapshots on local disk (off by default): see `SyncBackupOptions`. */
  backup?: SyncBackupOptions;
  /**
   * Metrics and traces through `@opentelemetry/api` (global providers by default, or the ones given here);
   * `false` turns them off. See the README, "Observability".
   */
  telemetry?: SyncTelemetryOption;
}

/**
 * `backup: { dir, maxAge? }`: every process writes each snapshot it installs to `<dir>/<name>/`, and at start
 * serves what it finds there (checksum verified, younger than `maxAge`) until the store answers; live data always
 * supersedes it. With it, a store unreachable at start no longer fails the bootstrap.
 */
export interface SyncBackupOptions {
  /** Directory of the backups (created if missing); one sub-directory per namespace, one file per task. */
  dir: string;
  /** ms since a backup's last successful check beyond which it is not loaded; default: any age. */
  maxAge?: number;
}

/** The `backup` option after validation. */
export interface NormalizedBackupOptions {
  /** The namespace's own directory, absolute: `<backup.dir>/<name>`. */
  readonly dir: string;
  /** Infinity when not given. */
  readonly maxAge: number;
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
  readonly ready: { readonly wait: boolean; readonly timeout: number };
  /** The lock is shared between processes (anything but the in-memory default): shutdown hooks matter. */
  readonly sharedLock: boolean;
  /** Absent when backups are off. */
  readonly backup?: NormalizedBackupOptions;
}
