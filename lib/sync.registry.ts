import { Inject, Injectable } from '@nestjs/common';
import { SYNC_OPTIONS } from './sync.constants.js';
import {
  DuplicateSyncTaskError,
  InvalidSyncTaskError,
  SyncTasksNotRegisteredError,
  UnknownSyncTaskError,
} from './sync.errors.js';
import {
  DUPLICATE_TAG,
  INVALID_SCHEMA,
  INVALID_TAG,
  INVALID_TASK_OPTION,
  NOT_REGISTERED_YET,
  UNKNOWN_TAG,
} from './sync.messages.js';
import type { NormalizedSyncOptions } from './interfaces/sync-options.interface.js';
import type { SyncAction, SyncContext, SyncTaskOptions } from './interfaces/sync-task.interface.js';
import { checkDuration } from './sync-options.normalizer.js';
import { describeValue } from './backend/describe-value.util.js';
import { InvalidSyncOptionsError } from './sync.errors.js';
import type { StandardSchemaV1 } from './interfaces/standard-schema.interface.js';
import { isValidTag, type SyncTaskToken } from './sync-task.token.js';

/** The bound `@SyncTask` method. */
export type SyncCallback = (action: SyncAction, ctx: SyncContext) => unknown;

/** A registered task with its effective settings. */
export interface SyncTaskDefinition {
  readonly tag: string;
  /** `Class.method`, for messages. */
  readonly source: string;
  readonly callback: SyncCallback;
  readonly interval: number;
  readonly timeout: number;
  /** The token's Standard Schema: DATA is validated against it before a write and before an install. */
  readonly schema: StandardSchemaV1 | undefined;
}

/**
 * The tasks of the application in registration order, keyed by tag.
 * Registration checks the tag and the per-task options.
 */
@Injectable()
export class SyncRegistry {
  private readonly tasks = new Map<string, SyncTaskDefinition>();
  private complete = false;

  constructor(@Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions) {}

  /**
   * @param tagOrToken a tag, or a `defineSyncTask()` token (its tag and schema).
   * @throws InvalidSyncTaskError for an empty or non-string tag or a bad option,
   *   DuplicateSyncTaskError when the tag is taken (naming both methods).
   */
  register(tagOrToken: unknown, options: SyncTaskOptions, source: string, callback: SyncCallback): SyncTaskDefinition {
    const token = typeof tagOrToken === 'object' && tagOrToken !== null ? (tagOrToken as SyncTaskToken) : undefined;
    const tag = token ? token.tag : tagOrToken;
    if (!isValidTag(tag)) throw new InvalidSyncTaskError(INVALID_TAG(source, tagOrToken));
    const schema = token?.schema;
    if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
      throw new InvalidSyncTaskError(INVALID_SCHEMA(tag, schema), { tag });
    }
    const existing = this.tasks.get(tag);
    if (existing) throw new DuplicateSyncTaskError(DUPLICATE_TAG(tag, existing.source, source), { tag });
    const task: SyncTaskDefinition = {
      tag,
      source,
      callback,
      interval: this.duration(source, 'interval', options?.interval, this.options.interval),
      timeout: this.duration(source, 'timeout', options?.timeout, this.options.timeout),
      schema,
    };
    this.tasks.set(tag, task);
    return task;
  }

  /** Every `@SyncTask` of the application is registered (the explorer ran): an unknown tag is then a wrong one. */
  markComplete(): void {
    this.complete = true;
  }

  /** Whether the explorer registered every task; reads before that cannot know any tag. */
  isComplete(): boolean {
    return this.complete;
  }

  /**
   * @throws SyncTasksNotRegisteredError before the explorer ran (a read in a constructor),
   *   UnknownSyncTaskError for a tag no `@SyncTask` registered.
   */
  get(tag: string): SyncTaskDefinition {
    const task = this.tasks.get(tag);
    if (task) return task;
    if (!this.complete)
      throw new SyncTasksNotRegisteredError(NOT_REGISTERED_YET(`Sync task ${describeValue(tag)} was read`), {
        tag: String(tag),
      });
    throw new UnknownSyncTaskError(UNKNOWN_TAG(tag, this.tags()), { tag: String(tag) });
  }

  has(tag: string): boolean {
    return this.tasks.has(tag);
  }

  all(): SyncTaskDefinition[] {
    return [...this.tasks.values()];
  }

  tags(): string[] {
    return [...this.tasks.keys()];
  }

  private duration(source: string, option: string, value: unknown, fallback: number): number {
    if (value === undefined) return fallback; // the module's own, validated once: most tasks at 100,000
    try {
      return checkDuration(option, value, fallback);
    } catch (error) {
      if (!(error instanceof InvalidSyncOptionsError)) throw error;
      throw new InvalidSyncTaskError(INVALID_TASK_OPTION(source, option, value), { cause: error });
    }
  }
}
