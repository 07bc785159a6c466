import { Inject, Injectable } from '@nestjs/common';
import { SYNC_OPTIONS } from './sync.constants.js';
import { DuplicateSyncTaskError, InvalidSyncTaskError, UnknownSyncTaskError } from './sync.errors.js';
import { DUPLICATE_TAG, INVALID_TAG, INVALID_TASK_OPTION, UNKNOWN_TAG } from './sync.messages.js';
import type { NormalizedSyncOptions } from './interfaces/sync-options.interface.js';
import type { SyncAction, SyncContext, SyncTaskOptions } from './interfaces/sync-task.interface.js';
import { checkDuration } from './sync-options.normalizer.js';
import { InvalidSyncOptionsError } from './sync.errors.js';

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
}

/**
 * The tasks of the application in registration order, keyed by tag.
 * Registration checks the tag and the per-task options.
 */
@Injectable()
export class SyncRegistry {
  private readonly tasks = new Map<string, SyncTaskDefinition>();

  constructor(@Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions) {}

  /**
   * @throws InvalidSyncTaskError for an empty or non-string tag or a bad option,
   *   DuplicateSyncTaskError when the tag is taken (naming both methods).
   */
  register(tag: unknown, options: SyncTaskOptions, source: string, callback: SyncCallback): SyncTaskDefinition {
    // Tags end up in store keys, channels, log lines and metric labels: keep them printable and short.
    if (typeof tag !== 'string' || tag.trim() === '' || tag.length > 200 || /\p{Cc}/u.test(tag)) {
      throw new InvalidSyncTaskError(INVALID_TAG(source, tag));
    }
    const existing = this.tasks.get(tag);
    if (existing) throw new DuplicateSyncTaskError(DUPLICATE_TAG(tag, existing.source, source), { tag });
    const task: SyncTaskDefinition = {
      tag,
      source,
      callback,
      interval: this.duration(source, 'interval', options?.interval, this.options.interval),
      timeout: this.duration(source, 'timeout', options?.timeout, this.options.timeout),
    };
    this.tasks.set(tag, task);
    return task;
  }

  /** @throws UnknownSyncTaskError */
  get(tag: string): SyncTaskDefinition {
    const task = this.tasks.get(tag);
    if (!task) throw new UnknownSyncTaskError(UNKNOWN_TAG(tag, this.tags()), { tag: String(tag) });
    return task;
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
    try {
      return checkDuration(option, value, fallback);
    } catch (error) {
      if (!(error instanceof InvalidSyncOptionsError)) throw error;
      throw new InvalidSyncTaskError(INVALID_TASK_OPTION(source, option, value), { cause: error });
    }
  }
}
