import { Inject, Injectable, Logger } from '@nestjs/common';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { InvalidSyncResultError, SyncError } from '../sync.errors.js';
import { FOLLOW_ERROR, READ_FAILED, READ_RECOVERED, STORED_SCHEMA_REFUSED } from '../sync.messages.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type {
  StoredSyncRecord,
  SyncRecordHead,
  SyncStoreEvent,
  SyncSubscription,
} from '../backend/sync-store.interface.js';
import { SyncReplicaState, type SyncRecordAge, type SyncTaskState } from './replica.state.js';
import { checkRecordHead } from './record.checks.js';
import { checkSchema } from './schema.check.js';
import { SyncTelemetry } from './telemetry/sync.telemetry.js';

/**
 * Keeps this process's replicas in line with the store. A change event makes
 * it read that one record, or install the record the event carries (a small
 * snapshot the store pushed with it) without a read; because events can be
 * lost (reconnects), it also reads the namespace's revision once per interval
 * — one round trip whatever the number of tasks — and only when that moved,
 * the heads, then the records that are newer than the replicas.
 *
 * Revisions can go back, or fork: a failover that loses acknowledged writes, or a reset store.
 * A counter read lower than a revision installed before, a head of a lower revision than its
 * replica, a change event of a lower one (a new leader writing after the loss: reconciled at
 * once), or a record of a higher one that is older by fence and clock rewinds the replicas
 * (`SyncReplicaState.rewind`): records are then judged whatever their revision, and for a grace
 * period one older than the replica by fence and clock is not installed, so no replica goes back
 * to a version written before the ones the store lost.
 */
@Injectable()
export class SyncReplicator {
  private readonly logger = new Logger('SyncModule');
  private subscription: SyncSubscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastRevision = 0;
  private errors = 0;
  private readonly reading = new Map<string, Promise<void>>();
  private readonly wanted = new Map<string, number>();
  /** The newest record a change event carried per tag, taken by the read loop instead of a read. */
  private readonly pushed = new Map<string, StoredSyncRecord>();
  private reconciling: Promise<unknown> = Promise.resolve();
  /** A reconcile asked by a change event older than its replica is queued and has not started. */
  private recheckQueued = false;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncReplicaState,
    private readonly telemetry: SyncTelemetry = SyncTelemetry.off(options, state),
  ) {}

  /** Subscribes, loads what the store holds, and reconciles once per interval. */
  async start(onEvent: (event: SyncStoreEvent) => void): Promise<void> {
    const { store, name } = this.options;
    this.subscription = await store.subscribe(name, (event) => {
      this.telemetry.eventReceived(event);
      if (event.type === 'change') this.follow(event.tag, event.revision, event.record);
      onEvent(event);
    });
    await this.reconcile();
    this.schedule();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.unsubscribe();
    await Promise.allSettled(this.reading.values());
  }

  /**
   * Brings every replica up to the store: reads the revision and, when it moved
   * (or `force`), the heads and every newer record. Also tells the leader which
   * version the store holds per task. Returns false when the store could not be read.
   */
  reconcile(force = false): Promise<boolean> {
    // One at a time: an overlapping run could apply an older revision() reply after a newer one.
    const run = this.reconciling.then(() => this.reconcileOnce(force));
    this.reconciling = run;
    return run;
  }

  /**
   * A change event: read (or install) it if newer than the replica. One older than the replica is
   * a stale event (a read already got past it) or a write after the store's revisions went back:
   * a reconcile tells which at once, rather than leaving a new leader's writes unseen until the
   * next interval. Queued once: the flag is cleared when that reconcile starts, so an event that
   * arrives while it runs queues another.
   */
  private follow(tag: string, revision: number, pushed?: StoredSyncRecord): void {
    this.want(tag, revision, pushed);
    if (this.recheckQueued || !this.state.has(tag) || revision >= this.state.entry(tag).revision) return;
    this.recheckQueued = true;
    const run = this.reconciling.then(() => {
      this.recheckQueued = false;
      return this.subscription ? this.reconcileOnce(true) : false;
    });
    this.reconciling = run;
  }

  /** Reads `tag` now if the store announced `revision` and this replica is older; resolves when done. */
  async catchUp(tag: string, revision: number): Promise<void> {
    this.want(tag, revision);
    await this.reading.get(tag);
  }

  private async reconcileOnce(force: boolean): Promise<boolean> {
    const { store, name } = this.options;
    try {
      // Taken before the reads: a revision installed after them may be newer than what they saw.
      const known = this.state.highestRevision;
      const revision = await store.revision(name);
      if (revision < known) this.rewind();
      if (!force && revision === this.lastRevision) return this.recovered();
      const heads = await store.heads(name);
      if (this.wentBack(heads, known)) this.rewind();
      for (const state of this.state.all()) {
        const raw = heads.get(state.task.tag);
        const head = this.validHead(state, raw);
        // A corrupt record is rewritten by the leader; otherwise never let a heads read
        // that raced the leader's own newer write roll its view back.
        if (raw && !head) state.storedVersion = undefined;
        else if (head ? head.revision >= state.revision : state.revision === 0) state.storedVersion = head?.version;
        if (!head) continue;
        this.state.seen(state, head.checkedAt);
        // An older record kept since a rewind is not read; once the grace period is over, it is.
        if (!this.keeps(state, head)) this.want(state.task.tag, head.revision);
      }
      await Promise.allSettled(this.reading.values());
      // Only move on when every replica caught up: a failed read, or an older record kept since a
      // rewind, is looked at again at the next reconcile.
      const behind = this.state.all().some((state) => (heads.get(state.task.tag)?.revision ?? 0) > state.revision);
      if (!behind) this.lastRevision = revision;
      return this.recovered();
    } catch (error) {
      if (this.errors++ === 0) this.logger.warn(FOLLOW_ERROR(name, error));
      return false;
    }
  }

  /**
   * Reads `tag` once if `revision` is newer than its replica; coalesces concurrent wants. A `pushed` record
   * (of that revision, from a change event) is installed by the same loop in place of a read, so one path
   * per tag decides what is newest: an older event never installs over a newer read, nor the reverse.
   */
  private want(tag: string, revision: number, pushed?: StoredSyncRecord): void {
    let state;
    try {
      state = this.state.entry(tag);
    } catch {
      return; // a task another build of the app registers; not ours to replicate
    }
    if (revision <= state.revision || revision <= (this.wanted.get(tag) ?? 0)) return;
    this.wanted.set(tag, revision);
    if (pushed?.revision === revision) this.pushed.set(tag, pushed);
    if (this.reading.has(tag)) return;
    const reading = this.read(tag);
    // A pushed record is installed synchronously: the loop may be over (and cleaned up) already.
    if (this.wanted.has(tag)) this.reading.set(tag, reading);
  }

  private async read(tag: string): Promise<void> {
    const { store, name } = this.options;
    const state = this.state.entry(tag);
    while ((this.wanted.get(tag) ?? 0) > state.revision) {
      const wanted = this.wanted.get(tag) ?? 0;
      const pushed = this.takePushed(tag, wanted);
      try {
        const record = pushed ?? (await store.read(name, tag));
        if (!record) break;
        checkRecordHead(tag, record);
        if (this.keeps(state, record)) break;
        // Validate, then swap: a record that fails the schema throws here and is never installed.
        const data = state.task.schema
          ? await checkSchema(state.task, record.data, (issues) => STORED_SCHEMA_REFUSED(tag, record.version, issues))
          : record.data;
        const installable = data === record.data ? record : { ...record, data, source: record.data };
        if (this.state.install(tag, installable)) this.telemetry.installed(tag, record);
        if (this.state.recordSuccess(state) > 0) this.logger.log(READ_RECOVERED(tag));
        if (record.revision < wanted) break; // an older record than announced: the reconcile will retry
      } catch (error) {
        // A pushed record that fails a check is read again: the reply reports the fault, or installs a sound record.
        if (pushed) continue;
        // A payload that fails to decode (or a read that fails) keeps the last good replica, shows in status() and
        // health.
        const failure = error instanceof Error ? error : new SyncError(String(error), { tag });
        this.telemetry.readFailed(tag);
        // A schema's refusal already says all of that; other failures get the context.
        const message = failure instanceof InvalidSyncResultError ? failure.message : READ_FAILED(tag, failure);
        if (this.state.recordFailure(state, failure)) this.logger.error(message);
        break;
      }
    }
    // All in the same synchronous step: a want() between them would be lost.
    this.wanted.delete(tag);
    this.pushed.delete(tag);
    this.reading.delete(tag);
  }

  /** The record pushed for `tag` if it is the one wanted (an older one would only be refused), taken once. */
  private takePushed(tag: string, wanted: number): StoredSyncRecord | undefined {
    const pushed = this.pushed.get(tag);
    this.pushed.delete(tag);
    return pushed && pushed.revision >= wanted ? pushed : undefined;
  }

  /**
   * Whether a head is older than its replica although that replica was installed before `known` was
   * taken (so before the heads were read): a record's revision only grows unless the store lost writes.
   */
  private wentBack(heads: ReadonlyMap<string, SyncRecordHead>, known: number): boolean {
    return this.state.all().some((state) => {
      const revision = heads.get(state.task.tag)?.revision;
      return typeof revision === 'number' && revision < state.revision && state.revision <= known;
    });
  }

  /**
   * Whether to keep the replica over a store record (or head) of a newer revision that is older by fence and clock.
   * The first one found (no rewind since) is a store whose history forked: promoted, it kept a write
   * its old master had overwritten, under a counter that does not tell (it may be higher than ours).
   */
  private keeps(state: SyncTaskState, record: SyncRecordAge & { revision: number }): boolean {
    // A lower revision is never installed; one that raced a newer install is no sign of a fork.
    if (record.revision <= state.revision || !this.state.isOlder(state, record)) return false;
    if (state.keepUntil === undefined) this.rewind();
    return this.state.holds(state, record);
  }

  /** The store's revisions went back: judge records whatever their revision, and read the heads until caught up. */
  private rewind(): void {
    this.state.rewind();
    this.lastRevision = 0;
  }

  /** The head if it is sound; a corrupt one counts as a failed read of that task and is skipped. */
  private validHead(state: SyncTaskState, head: SyncRecordHead | undefined): SyncRecordHead | undefined {
    if (!head) return undefined;
    try {
      checkRecordHead(state.task.tag, head);
      return head;
    } catch (error) {
      if (this.state.recordFailure(state, error as Error))
        this.logger.error(READ_FAILED(state.task.tag, error as Error));
      return undefined;
    }
  }

  private recovered(): true {
    this.errors = 0;
    return true;
  }

  private schedule(): void {
    this.timer = setTimeout(async () => {
      await this.reconcile();
      if (this.timer) this.schedule();
    }, this.options.interval);
  }
}
