import { InvalidSyncTaskError } from './sync.errors.js';
import { INVALID_SCHEMA, INVALID_TAG } from './sync.messages.js';
import type { StandardSchemaV1 } from './interfaces/standard-schema.interface.js';

/**
 * A typed handle on a task, made by `defineSyncTask()`: accepted wherever a tag is
 * (`@SyncTask`, every `SyncService` method, health `tags`). `T` is what readers get,
 * `Input` what the DATA callback returns (they differ when the schema transforms).
 */
export class SyncTaskToken<T = unknown, Input = T> {
  /**
   * Never set: carries `T` and `Input` for the compiler only (a token without a schema
   * must still remember its data type).
   */
  declare readonly '~types'?: { readonly data: T; readonly input: Input };

  /** @internal use `defineSyncTask()`. */
  constructor(
    /** The task's tag: its name in the store, the logs and `status()`. */
    readonly tag: string,
    /** Validates DATA on the leader before the write and on every process before install. */
    readonly schema: StandardSchemaV1<Input, T> | undefined,
  ) {
    Object.freeze(this);
  }

  /** The tag, so a token reads well in template strings and logs. */
  toString(): string {
    return this.tag;
  }
}

/** A task named by its tag (`'flags'`) or by its token (`Flags`). */
export type SyncTaskTag<T = unknown> = string | SyncTaskToken<T, unknown>;

/** Options of `defineSyncTask()`. */
export interface SyncTaskTokenOptions<Schema> {
  /** Any Standard Schema validator (zod, valibot, arktype, …): data that fails it never reaches a reader. */
  readonly schema?: Schema;
}

/**
 * Defines a typed task handle. With a Standard Schema, the data type is inferred from it
 * and every DATA result is validated (on the leader before the write, on every process
 * before install); without one, name the type: `defineSyncTask<Flags>('flags')`.
 *
 * ```ts
 * export const Flags = defineSyncTask('flags', { schema: z.object({ darkMode: z.boolean() }) });
 * @SyncTask(Flags) fetch(action: SyncAction, ctx: SyncContext) { … }
 * sync.getData(Flags)?.darkMode; // boolean, read-only
 * ```
 * @throws InvalidSyncTaskError for a bad tag or a schema without `~standard.validate`.
 */
export function defineSyncTask<S extends StandardSchemaV1>(
  tag: string,
  options: SyncTaskTokenOptions<S> & { readonly schema: S },
): SyncTaskToken<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.InferInput<S>>;
export function defineSyncTask<T = unknown>(
  tag: string,
  options?: SyncTaskTokenOptions<StandardSchemaV1<unknown, T>>,
): SyncTaskToken<T>;
export function defineSyncTask(tag: string, options: SyncTaskTokenOptions<StandardSchemaV1> = {}): SyncTaskToken {
  const where = `defineSyncTask(${JSON.stringify(tag) ?? String(tag)})`;
  if (!isValidTag(tag)) throw new InvalidSyncTaskError(INVALID_TAG(where, tag));
  const { schema } = options;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new InvalidSyncTaskError(INVALID_SCHEMA(tag, schema), { tag });
  }
  return new SyncTaskToken(tag, schema);
}

/**
 * Whether `tag` can name a task. Tags end up in store keys, channels, log lines and
 * metric labels: keep them printable and short.
 */
export function isValidTag(tag: unknown): tag is string {
  return typeof tag === 'string' && tag.trim() !== '' && tag.length <= 200 && !/\p{Cc}/u.test(tag);
}

/**
 * The tag a read names. Callers test `typeof tag === 'string'` first, so a string costs
 * nothing more than before and a token one property read. Duck-typed rather than
 * `instanceof`, so a token made by one copy of the package (its ESM or its CommonJS build)
 * works with the other. Anything else is passed on as it is, for the registry to refuse
 * with `UnknownSyncTaskError`.
 */
export function tokenTag(tag: unknown): string {
  return ((tag as SyncTaskToken | undefined)?.tag ?? tag) as string;
}
