import { Inject, Injectable, Logger } from '@nestjs/common';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { InvalidSyncResultError, SyncError } from '../sync.errors.js';
import {
  EMPTY_DATA,
  INVALID_VERSION,
  NOT_JSON,
  RECOVERED,
  SCHEMA_REFUSED,
  STALE_FENCE,
  TOO_LARGE,
} from '../sync.messages.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import { SyncAction } from '../interfaces/sync-task.interface.js';
import type { SyncTouchResult } from '../backend/sync-store.interface.js';
import { SyncReplicaState, type SyncTaskState } from './replica.state.js';
import { isSyncVersion } from './record.checks.js';
import { checkSchema } from './schema.check.js';
import type { SyncCheckOutcome } from './check.outcome.js';
import type { SyncTerm } from './lease.keeper.js';
import { SyncTelemetry } from './telemetry/sync.telemetry.js';
import { NO_PROBE, type SyncCheckProbe } from './telemetry/check-probe.interface.js';
import { callTask } from './task.callback.js';
import { SyncTouchBatcher } from './touch.batcher.js';
import { stringifyForReuse } from '../backend/json-text.memo.js';

export type { SyncCheckOutcome } from './check.outcome.js';

/**
 * Runs one version-gated check of a task under a leadership term: VERSION;
 * if it equals the stored version, record the check time; otherwise DATA and
 * one atomic, fenced snapshot write. A failure keeps the last good snapshot,
 * is counted, and is logged once per streak.
 */
@Injectable()
export class SyncTaskChecker {
  private readonly logger = new Logger('SyncModule');
  private readonly touches: SyncTouchBatcher;
  /** The last term whose refused fence was logged: a batch refused as a whole logs one line, not one per task. */
  private fencedTerm: SyncTerm | undefined;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncReplicaState,
    private readonly telemetry: SyncTelemetry = SyncTelemetry.off(options, state),
  ) {
    this.touches = new SyncTouchBatcher(options.store, options.name);
  }

  check(state: SyncTaskState, term: SyncTerm): Promise<SyncCheckOutcome> {
    // No closure per check when nothing is instrumented.
    return this.telemetry.enabled
      ? this.telemetry.check(state, (probe) => this.checkOnce(state, term, probe))
      : this.checkOnce(state, term, NO_PROBE);
  }

  private async checkOnce(state: SyncTaskState, term: SyncTerm, probe: SyncCheckProbe): Promise<SyncCheckOutcome> {
    const { store, name } = this.options;
    const { tag } = state.task;
    state.running = true;
    try {
      const previousVersion = state.storedVersion;
      // Uninstrumented, the steps run directly and a synchronous answer is not awaited: most checks
      // are an unchanged version, and each closure or promise saved here is saved 10,000 times a second.
      let version =
        probe === NO_PROBE
          ? callTask(state, term, SyncAction.VERSION, previousVersion)
          : probe.step('version', () => callTask(state, term, SyncAction.VERSION, previousVersion));
      if (version instanceof Promise) version = await version;
      if (!isSyncVersion(version)) throw new InvalidSyncResultError(INVALID_VERSION(tag, version), { tag });
      const checkedAt = Date.now();
      // Unchanged only if the store holds that version *and* this replica does (else a record
      // that was lost, or that no process can decode, would never be rewritten).
      if (version === previousVersion && state.snapshot?.version === version) {
        // Batched with the other unchanged checks of this turn (one round trip per slice of a tick), judged per task.
        let touched: SyncTouchResult;
        if (probe === NO_PROBE) {
          const ticket = this.touches.enqueue(term, tag, version, checkedAt);
          touched = (await ticket.results)[ticket.index];
        } else {
          touched = await probe.step('touch', () => this.touches.touch(term, tag, version, checkedAt));
        }
        if (touched === 'fenced') return this.fenced(state, term, undefined);
        if (touched === 'touched') return this.succeeded(state, checkedAt, 'unchanged');
        state.storedVersion = undefined;
      }
      const data = await probe.step('data', () => callTask(state, term, SyncAction.DATA, previousVersion));
      if (data === undefined || data === null) throw new InvalidSyncResultError(EMPTY_DATA(tag, data), { tag });
      probe.dataSize(this.checkData(tag, data));
      // The store gets the source's data as it came (every process validates what it reads, and
      // a transform's output need not pass the schema again, nor be JSON); readers get the output.
      const value = state.task.schema
        ? await checkSchema(state.task, data, (issues) => SCHEMA_REFUSED(tag, version, issues))
        : data;
      // Re-checked by the clock, not only the signal: after the event loop was blocked (a huge
      // document's JSON work) the watchdog has not fired yet, and the term may be over.
      if (!term.valid()) term.signal.throwIfAborted();
      const record = { tag, version, data, modifiedAt: Date.now(), checkedAt: Date.now(), fence: term.lease.fence };
      const trace = probe.traceparent;
      const result = await probe.step('write', () => store.write(name, trace ? { ...record, trace } : record));
      // Logged even when the term ended meanwhile: a refused late write is what the fence is for.
      if (!result.accepted) return this.fenced(state, term, result.fence);
      state.storedVersion = version;
      this.state.install(tag, { ...record, data: value, source: data, revision: result.revision });
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
   * DATA must be JSON data (every process may have to decode it from a remote store)
   * and within maxDataBytes. Serialising once per version, on the leader only, is the
   * price of refusing bad data here, with a named error, instead of in a store.
   */
  private checkData(tag: string, data: unknown): number {
    let json: string | undefined;
    try {
      // Kept for the store's default serializer, which encodes this very object next, in this synchronous step.
      json = stringifyForReuse(data);
    } catch (error) {
      throw new InvalidSyncResultError(NOT_JSON(tag, data, error), { tag, cause: error });
    }
    if (json === undefined) throw new InvalidSyncResultError(NOT_JSON(tag, data), { tag });
    const { maxDataBytes } = this.options;
    const bytes = Buffer.byteLength(json);
    if (bytes > maxDataBytes) throw new InvalidSyncResultError(TOO_LARGE(tag, bytes, maxDataBytes), { tag });
    return bytes;
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
      this.logger.error(
        `[${state.task.tag}] ${failure.message}`,
        failure.cause instanceof Error ? failure.cause.stack : failure.stack,
      );
    }
  }

  private fenced(state: SyncTaskState, term: SyncTerm, stored: number | undefined): SyncCheckOutcome {
    if (this.fencedTerm !== term) this.logger.warn(STALE_FENCE(state.task.tag, term.lease.fence, stored));
    this.fencedTerm = term;
    return 'fenced';
  }
}
