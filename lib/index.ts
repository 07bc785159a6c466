/**
 * The app API of nestjs-version-sync: the module, the decorator, the read service,
 * the health indicator, the errors, the types an app uses, and the in-memory backends
 * (the defaults). Backends live on subpaths (`/redis`, `/postgres`); the interface a
 * backend implements is on `/backend`; conformance suites on `/testing`.
 */
export { SyncModule } from './sync.module.js';
export { SYNC_ASYNC_OPTIONS_TYPE, SYNC_OPTIONS_TYPE } from './sync.module-definition.js';
export { SyncTask } from './decorators/sync-task.decorator.js';
export type { SyncTaskDecorator, SyncTaskMethod } from './decorators/sync-task.decorator.js';
export { defineSyncTask, SyncTaskToken } from './sync-task.token.js';
export type { SyncTaskTag, SyncTaskTokenOptions } from './sync-task.token.js';
export type { StandardSchemaV1 } from './interfaces/standard-schema.interface.js';
export type { DeepReadonly } from './interfaces/deep-readonly.type.js';
export { SyncService } from './sync.service.js';
export type { SyncWhenReadyOptions } from './sync.service.js';
export { SyncHealthIndicator } from './health/sync.health.js';
export type { SyncHealthDetails, SyncHealthOptions, SyncTaskHealth } from './health/sync.health.js';
export { SyncAction } from './interfaces/sync-task.interface.js';
export type {
  SyncContext,
  SyncSnapshot,
  SyncTaskError,
  SyncTaskOptions,
  SyncTaskStatus,
  SyncVersion,
} from './interfaces/sync-task.interface.js';
export type { SyncModuleOptions, SyncReadyOptions } from './interfaces/sync-options.interface.js';
export {
  DuplicateSyncModuleError,
  DuplicateSyncTaskError,
  InvalidSyncOptionsError,
  InvalidSyncResultError,
  InvalidSyncTaskError,
  SyncCallbackError,
  SyncConnectionError,
  SyncError,
  SyncPeerMissingError,
  SyncStoreFormatError,
  SyncTasksNotRegisteredError,
  SyncTimeoutError,
  UnknownSyncTaskError,
} from './sync.errors.js';
export type { InvalidSyncResultErrorOptions, SyncErrorOptions, SyncSchemaIssue } from './sync.errors.js';
export { MemorySyncLock, MemorySyncStore } from './backends/memory/index.js';
export type { SyncFleetInstance, SyncFleetTask } from './engine/fleet/fleet.types.js';
export type { SyncTelemetryOptions } from './interfaces/sync-telemetry-options.interface.js';
