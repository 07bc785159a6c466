import { Inject, Injectable, Logger } from '@nestjs/common';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { InvalidSyncResultError, SyncCallbackError, SyncError, SyncTimeoutError } from '../sync.errors.js';
import {
  CALLBACK_FAILED,
  CALLBACK_TIMEOUT,
  EMPTY_DATA,
  INVALID_VERSION,
  NOT_JSON,
  RECOVERED,
  STALE_FENCE,
  TOO_LARGE,
} from '../sync.messages.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import { SyncAction, type SyncVersion } from '../interfaces/sync-task.interface.js';
import { SyncState, type SyncTaskState } from '../sync.state.js';
import { abortable } from '../utils/abortable.util.js';
import { isSyncVersion } from '../utils/record-check.util.js';
import type { SyncTerm } from './sync-lease.keeper.js';

/** How a check ended. */
export type SyncCheckOutcome = 'changed' | 'unchanged' | 'failed' | 'aborted' | 'fenced';

/**
 * Runs one version-gated check of a task under a leadership term: VERSION;
 * if it equals the stored version, record the check time; otherwise DATA and
 * one atomic, fenced snapshot write. A failure keeps the last good snapshot,
 * is counted, and is logged once per streak.
 */
@Injectable()
export class SyncChecker {
  private readonly logger = new Logger('SyncModule');

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncState,
  ) {}

  async check(state: SyncTaskState, term: SyncTerm): Promise<SyncCheckOutcome> {
    const { store, name } = this.options;
    const { tag } = state.task;
    state.running = true;
    try {
      const previousVersion = state.storedVersion;
      const version = await this.call(state, term, SyncAction.VERSION, previousVersion);
      if (!isSyncVersion(version)) throw new InvalidSyncResultError(INVALID_VERSION(tag, version), { tag });
      const checkedAt = Date.now();
      // Unchanged only if the store holds that version *and* this replica does (else a record
      // that was lost, or that no process can decode, would never be rewritten).
      if (version === previousVersion && state.snapshot?.version === version) {
        const touched = await store.touch(name, tag, version, checkedAt, term.lease.fence);
        if (touched === 'fenced') return this.fenced(state, term, undefined);
        if (touched === 'touched') return this.succeeded(state, checkedAt, 'unchanged');
        state.storedVersion = undefined;
      }
      const data = await this.call(state, term, SyncAction.DATA, previousVersion);
      if (data === undefined || data === null) throw new InvalidSyncResultError(EMPTY_DATA(tag, data), { tag });
      this.checkData(tag, data);
      term.signal.throwIfAborted();
      const record = { tag, version, data, modifiedAt: Date.now(), checkedAt: Date.now(), fence: term.lease.fence };
      const result = await store.write(name, record);
      // Logged even when the term ended meanwhile: a refused late write is what the fence is for.
      if (!result.accepted) return this.fenced(state, term, result.fence);
      state.storedVersion = version;
      this.state.install(tag, { ...record, revision: result.revision });
      return this.succeeded(state, record.checkedAt, 'changed');
    } catch (error) {
      if (term.signal.aborted) return 'aborted';
      this.failed(state, error);
      return 'failed';
    } finally {
      state.running = false;
    }
  }

  /**
   * Calls the task's method with a signal that aborts on timeout and at the end of the term.
   * A controller and a timer per call, not `AbortSignal.any([term.signal, AbortSignal.timeout()])`:
   * on Node 20 every `any()` stays attached to the long-lived term signal (nodejs/node#55351),
   * a leak that grows with every check of a term that lasts for weeks, and it costs ~30 µs.
   */
  private async call(state: SyncTaskState, term: SyncTerm, action: SyncAction, previousVersion?: SyncVersion) {
    const { tag, timeout, callback } = state.task;
    if (!term.valid()) term.signal.throwIfAborted();
    const controller = new AbortController();
    const endOfTerm = () => controller.abort(term.signal.reason);
    term.signal.addEventListener('abort', endOfTerm, { once: true });
    const timer = setTimeout(() => controller.abort(new DOMException(`${action} timed out`, 'TimeoutError')), timeout);
    const { signal } = controller;
    const ctx = previousVersion === undefined ? { tag, signal } : { tag, signal, previousVersion };
    try {
      return await abortable(Promise.resolve().then(() => callback(action, ctx)), signal);
    } catch (error) {
      if (term.signal.aborted || error instanceof SyncError) throw error;
      if (signal.aborted) throw new SyncTimeoutError(CALLBACK_TIMEOUT(tag, action, timeout), { tag, cause: error });
      throw new SyncCallbackError(CALLBACK_FAILED(tag, action, error), { tag, cause: error });
    } finally {
      clearTimeout(timer);
      term.signal.removeEventListener('abort', endOfTerm);
    }
  }

  /**
   * DATA must be JSON data (every process may have to decode it from a remote store)
   * and within maxDataBytes. Serialising once per version, on the leader only, is the
   * price of refusing bad data here, with a named error, instead of in a store.
   */
  private checkData(tag: string, data: unknown): void {
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (error) {
      throw new InvalidSyncResultError(NOT_JSON(tag, data, error), { tag, cause: error });
    }
    if (json === undefined) throw new InvalidSyncResultError(NOT_JSON(tag, data), { tag });
    const { maxDataBytes } = this.options;
    if (maxDataBytes === Infinity) return;
    const bytes = Buffer.byteLength(json);
    if (bytes > maxDataBytes) throw new InvalidSyncResultError(TOO_LARGE(tag, bytes, maxDataBytes), { tag });
  }

  private succeeded(state: SyncTaskState, checkedAt: number, outcome: 'changed' | 'unchanged'): SyncCheckOutcome {
    const streak = this.state.recordSuccess(state);
    if (streak > 0) this.logger.log(RECOVERED(state.task.tag, streak));
    this.state.seen(state, checkedAt);
    return outcome;
  }

  private failed(state: SyncTaskState, error: unknown): void {
    const failure = error instanceof Error ? error : new SyncError(String(error), { tag: state.task.tag });
    if (this.state.recordFailure(state, failure)) {
      this.logger.error(`[${state.task.tag}] ${failure.message}`, failure.cause instanceof Error ? failure.cause.stack : failure.stack);
    }
  }

  private fenced(state: SyncTaskState, term: SyncTerm, stored: number | undefined): SyncCheckOutcome {
    this.logger.warn(STALE_FENCE(state.task.tag, term.lease.fence, stored));
    return 'fenced';
  }
}
