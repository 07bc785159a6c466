/**
 * The service-provider interface for backend authors (subpath `nestjs-version-sync/backend`):
 * what a store and a lock implement, the records and events they carry, the serializer,
 * the errors a backend throws (the same fault gets the same error in every backend),
 * and small helpers every backend of this package uses. Apps need none of it; they
 * import the module and a backend's entry point.
 */
export type { SyncVersion } from './sync-version.js';
export type {
  StoredSyncRecord,
  SyncRecord,
  SyncRecordHead,
  SyncStore,
  SyncStoreEvent,
  SyncSubscription,
  SyncTouch,
  SyncTouchResult,
  SyncWriteResult,
} from './sync-store.interface.js';
export { SYNC_STORE_METHODS } from './sync-store.interface.js';
export type { SyncHeartbeat, SyncHeartbeatTask } from './sync-heartbeat.interface.js';
export type { SyncLease, SyncLeaseInfo, SyncLock } from './sync-lock.interface.js';
export { SYNC_LOCK_METHODS } from './sync-lock.interface.js';
export { jsonSerializer } from './sync-serializer.interface.js';
export type { SyncSerializer } from './sync-serializer.interface.js';
export {
  InvalidSyncOptionsError,
  SyncConnectionError,
  SyncError,
  SyncPeerMissingError,
  SyncStoreFormatError,
} from '../sync.errors.js';
export type { SyncErrorOptions } from '../sync.errors.js';
export { describeValue } from './describe-value.util.js';
export { withTimeout } from './with-timeout.util.js';
export { checkDuration, durationFix, isDuration, MAX_TIMER_MS } from './option.checks.js';
export type { DurationRule } from './option.checks.js';
export { backoffDelay } from './backoff.util.js';
export type { BackoffRange } from './backoff.util.js';
