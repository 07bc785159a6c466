import type { SyncStore, SyncTouch, SyncTouchResult } from '../backend/sync-store.interface.js';
import type { SyncVersion } from '../backend/sync-version.js';
import type { SyncTerm } from './lease.keeper.js';

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
    if (!this.store.touchMany) return this.store.touch(this.namespace, tag, version, checkedAt, term.lease.fence);
    const batch = this.batches.get(term) ?? this.open(term);
    const index = batch.touches.push({ tag, version, checkedAt }) - 1;
    // One promise per caller, not a resolver pair each: this runs for every unchanged check.
    return batch.results.then((results) => results[index]);
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
