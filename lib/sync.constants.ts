/** Injection token of the normalised module options (`NormalizedSyncOptions`). */
export const SYNC_OPTIONS = Symbol('nestjs-version-sync:options');

/** Metadata key `@SyncTask()` writes on a method. */
export const SYNC_TASK_METADATA = 'nestjs-version-sync:task';

/** Namespace used when `options.name` is not given. */
export const DEFAULT_SYNC_NAME = 'default';

/** Default lease TTL: a crashed leader is replaced within this many ms. */
export const DEFAULT_LEASE_TTL = 15_000;

/** Default time a callback may run before its signal aborts. */
export const DEFAULT_TIMEOUT = 30_000;

/** Smallest lease TTL accepted: below it, one slow round trip loses the lease. */
export const MIN_LEASE_TTL = 50;
