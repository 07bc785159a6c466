import { SetMetadata } from '@nestjs/common';
import { SYNC_TASK_METADATA } from '../sync.constants.js';
import { InvalidSyncTaskError } from '../sync.errors.js';
import { NOT_A_METHOD } from '../sync.messages.js';
import type { SyncAction, SyncContext, SyncTaskOptions, SyncVersion } from '../interfaces/sync-task.interface.js';
import type { SyncTaskToken } from '../sync-task.token.js';

/**
 * Metadata key of the list `@SyncTask` keeps on a class prototype: the keys of its decorated
 * methods, so the explorer visits those instead of every method of every provider (100,000
 * tasks on one provider: Nest's method scan and a metadata lookup per method were ~12% of the
 * bootstrap). A string, not a symbol: the ESM and CommonJS copies of the package share it.
 */
export const SYNC_TASK_METHODS = 'nestjs-version-sync:task-methods';

/** What `@SyncTask` stores on a method; read by the explorer. */
export interface SyncTaskMetadata {
  /** The tag, or the `defineSyncTask()` token (the registry reads its tag and schema). */
  readonly tag: unknown;
  readonly options: SyncTaskOptions;
}

/** The shape of a `@SyncTask` method whose DATA is `Data`: sync or async, a version or the data. */
export type SyncTaskMethod<Data = unknown> = (
  action: SyncAction,
  ctx: SyncContext,
) => SyncVersion | Data | Promise<SyncVersion | Data>;

/**
 * The decorator `@SyncTask()` returns: it fits only a method of the `SyncTaskMethod` shape,
 * so a getter, a property, or a method of another shape fails to compile.
 */
export type SyncTaskDecorator<Data = unknown> = <M extends SyncTaskMethod<Data>>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Marks a provider method as the source of a synced value. The method is called
 * as `(action: SyncAction, ctx: SyncContext)` and returns the version for
 * `SyncAction.VERSION` and the data for `SyncAction.DATA`; it may be async.
 * Only the leader calls it. The decorator only writes metadata: the tag is
 * checked (non-empty, unique) when the module starts.
 *
 * @param tag unique name of the task, used to read it: `sync.getData(tag)`; or a
 *   `defineSyncTask()` token, which types the DATA the method returns and what readers get.
 * @param options `interval` / `timeout` in ms, overriding the module's.
 */
export function SyncTask<Data, Input>(
  tag: SyncTaskToken<Data, Input>,
  options?: SyncTaskOptions,
): SyncTaskDecorator<Input>;
export function SyncTask(tag: string, options?: SyncTaskOptions): SyncTaskDecorator;
export function SyncTask(tag: string | SyncTaskToken, options: SyncTaskOptions = {}): SyncTaskDecorator {
  const setMetadata = SetMetadata<string, SyncTaskMetadata>(SYNC_TASK_METADATA, { tag, options });
  return (target, propertyKey, descriptor) => {
    // A getter passes the types when it returns a function of the right shape; it has no method to call.
    if (typeof descriptor?.value !== 'function') {
      throw new InvalidSyncTaskError(NOT_A_METHOD(`${target.constructor?.name ?? 'class'}.${String(propertyKey)}`));
    }
    setMetadata(target, propertyKey, descriptor);
    const keys = Reflect.getOwnMetadata(SYNC_TASK_METHODS, target) as (string | symbol)[] | undefined;
    // Pushed in place: a new array per decorated method would be O(n²) for a class of many tasks.
    if (keys) keys.push(propertyKey);
    else Reflect.defineMetadata(SYNC_TASK_METHODS, [propertyKey], target);
  };
}
