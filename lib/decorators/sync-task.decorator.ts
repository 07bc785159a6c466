import { SetMetadata } from '@nestjs/common';
import { SYNC_TASK_METADATA } from '../sync.constants.js';
import type { SyncTaskOptions } from '../interfaces/sync-task.interface.js';

/** What `@SyncTask` stores on a method; read by the explorer. */
export interface SyncTaskMetadata {
  readonly tag: unknown;
  readonly options: SyncTaskOptions;
}

/**
 * Marks a provider method as the source of a synced value. The method is called
 * as `(action: SyncAction, ctx: SyncContext)` and returns the version for
 * `SyncAction.VERSION` and the data for `SyncAction.DATA`; it may be async.
 * Only the leader calls it. The decorator only writes metadata: the tag is
 * checked (non-empty, unique) when the module starts.
 *
 * @param tag unique name of the task, used to read it: `sync.getData(tag)`.
 * @param options `interval` / `timeout` in ms, overriding the module's.
 */
export function SyncTask(tag: string, options: SyncTaskOptions = {}): MethodDecorator {
  return SetMetadata<string, SyncTaskMetadata>(SYNC_TASK_METADATA, { tag, options });
}
