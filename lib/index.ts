export { SyncModule } from './sync.module.js';
export { SYNC_ASYNC_OPTIONS_TYPE, SYNC_OPTIONS_TYPE } from './sync.module-definition.js';
export { SyncTask } from './decorators/sync-task.decorator.js';
export { SyncService } from './sync.service.js';
export type { SyncWhenReadyOptions } from './sync.service.js';
export { SyncHealthIndicator } from './health/sync.health.js';
export type { SyncHealthOptions } from './health/sync.health.js';
export { SyncAction } from './interfaces/sync-task.interface.js';
export type {
  SyncContext,
  SyncSnapshot,
  SyncTaskError,
  SyncTaskOptions,
  SyncTaskStatus,
  SyncVersion,
} from './interfaces/sync-task.interface.js';
export type { NormalizedSyncOptions, SyncModuleOptions } from './interfaces/sync-options.interface.js';
export {
  DuplicateSyncTaskError,
  InvalidSyncOptionsError,
  InvalidSyncResultError,
  InvalidSyncTaskError,
  SyncCallbackError,
  SyncConnectionError,
  SyncError,
  SyncTimeoutError,
  UnknownSyncTaskError,
} from './sync.errors.js';
export type { SyncErrorOptions } from './sync.errors.js';
export { MemorySyncStore } from './stores/memory-sync.store.js';
export { MemorySyncLock } from './locks/memory-sync.lock.js';
export { jsonSerializer } from './stores/sync-serializer.interface.js';
export type { SyncSerializer } from './stores/sync-serializer.interface.js';
export type {
  StoredSyncRecord,
  SyncRecord,
  SyncRecordHead,
  SyncStore,
  SyncStoreEvent,
  SyncSubscription,
  SyncTouchResult,
  SyncWriteResult,
} from './stores/sync-store.interface.js';
export type { SyncLease, SyncLeaseInfo, SyncLock } from './locks/sync-lock.interface.js';
