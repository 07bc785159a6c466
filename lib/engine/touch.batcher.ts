import type { SyncStore, SyncTouch, SyncTouchResult } from '../backend/sync-store.interface.js';
import type { SyncVersion } from '../backend/sync-version.js';
import type { SyncTerm } from './lease.keeper.js';

/** A queued touch: its result is `(await results)[index]`. */
export interface SyncTouchTicket {
  readonly results: Promise<readonly SyncTouchResult[]>;
  readonly index: number;
}

/** The touches of one term waiting for the end of the event-loop turn, and the results of the call. */
interface Batch {
  readonly touches: SyncTouch[];
  readonly results: Promise<SyncTouchResult[]>;
}

/**
 * Records the unchanged checks of the leader: every touch asked for during one turn of the event
 * loop goes to the store in one `touchMany` call (one round trip for a whole tick of a bucket,
 * whose checks reach this point in the same turn), each caller getting its own result. A store
 * without `touchMany` gets one `touch` per check, at once. Batching costs no round trip: the
 * batch leaves at `setImmediate`, right after the turn that filled it.
 */
export class SyncTouchBatcher {
  private readonly batches = new Map<SyncTerm, Batch>();

  constructor(
    private readonly store: SyncStore,
    private readonly namespace: string,
  ) {}

  /** Records that `tag` still holds `version` at `checkedAt`, under `term`'s fence. */
  touch(term: SyncTerm, tag: string, version: SyncVersion, checkedAt: number): Promise<SyncTouchResult> {
    const { results, index } = this.enqueue(term, tag, version, checkedAt);
    return results.then((all) => all[index]);
  }

  /**
   * `touch` without a promise of its own: the caller awaits the batch's results and takes its
   * entry. This runs for every unchanged check, so the checker uses it when it needs no promise
   * to time (no instrumentation).
   */
  enqueue(term: SyncTerm, tag: string, version: SyncVersion, checkedAt: number): SyncTouchTicket {
    if (!this.store.touchMany) {
      const results = this.store.touch(this.namespace, tag, version, checkedAt, term.lease.fence).then((r) => [r]);
      return { results, index: 0 };
    }
    const batch = this.batches.get(term) ?? this.open(term);
    return { results: batch.results, index: batch.touches.push({ tag, version, checkedAt }) - 1 };
  }

  private open(term: SyncTerm): Batch {
    const touches: SyncTouch[] = [];
    const results = new Promise<SyncTouchResult[]>((resolve) => setImmediate(() => resolve(this.flush(term, touches))));
    const batch = { touches, results };
    this.batches.set(term, batch);
    return batch;
  }

  private async flush(term: SyncTerm, touches: readonly SyncTouch[]): Promise<SyncTouchResult[]> {
    this.batches.delete(term);
    // Re-checked by the clock, as before a write: after a stalled event loop the watchdog has
    // not fired yet, and a term that is over must not raise the fence of a whole batch.
    if (!term.valid()) term.signal.throwIfAborted();
    return this.store.touchMany!(this.namespace, touches, term.lease.fence);
  }
}
