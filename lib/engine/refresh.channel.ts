import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { SyncTimeoutError } from '../sync.errors.js';
import { REFRESH_TIMEOUT } from '../sync.messages.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type { SyncSnapshot } from '../interfaces/sync-task.interface.js';
import type { SyncStoreEvent } from '../backend/sync-store.interface.js';
import { withTimeout } from '../backend/with-timeout.util.js';
import { SyncLeaseKeeper } from './lease.keeper.js';
import { SyncReplicaState } from './replica.state.js';
import { SyncReplicator } from './replicator.js';

/** Runs a check of `tag` now if this process leads; resolves when it is done. */
export type SyncRunNow = (tag: string) => Promise<void>;

/**
 * `refresh(tag)` from any process: the leader checks at once; a follower
 * publishes a `refresh` request on the namespace's channel and waits for the
 * leader's `refreshed` answer, then reads the record it names. The channel
 * does not know how checks run: the engine hands it a `runNow` callback.
 */
@Injectable()
export class SyncRefreshChannel {
  private readonly answers = new Map<string, (revision: number | undefined) => void>();
  private runNow: SyncRunNow = () => Promise.resolve();
  private open = false;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly state: SyncReplicaState,
    private readonly keeper: SyncLeaseKeeper,
    private readonly replicator: SyncReplicator,
  ) {}

  /** Starts answering and forwarding with `runNow`; until then `refresh` returns the local snapshot. */
  bind(runNow: SyncRunNow): void {
    this.runNow = runNow;
    this.open = true;
  }

  /** Stops forwarding (shutdown). */
  close(): void {
    this.open = false;
  }

  /**
   * Checks `tag` now: here when this process leads, else by asking the leader
   * through the store and waiting for its answer.
   * @returns the snapshot after the check (the last good one if it failed).
   */
  async refresh(tag: string): Promise<SyncSnapshot | undefined> {
    const state = this.state.entry(tag);
    if (this.keeper.isLeader()) {
      await this.runNow(tag);
      return state.snapshot;
    }
    if (!this.open) return state.snapshot;
    const { store, name } = this.options;
    const id = randomUUID();
    const answered = new Promise<number | undefined>((resolve) => this.answers.set(id, resolve));
    const ms = state.task.timeout * 2 + this.options.interval;
    try {
      await store.publish(name, { type: 'refresh', tag, id });
      const revision = await withTimeout(answered, ms, () => new SyncTimeoutError(REFRESH_TIMEOUT(tag, ms), { tag }));
      if (revision !== undefined) await this.replicator.catchUp(tag, revision);
      return state.snapshot;
    } finally {
      this.answers.delete(id);
    }
  }

  /** Handles the channel's `refresh` (on the leader) and `refreshed` (on the asker) events. */
  onEvent(event: SyncStoreEvent): void {
    if (event.type === 'refreshed') this.answers.get(event.id)?.(event.revision);
    if (event.type === 'refresh' && this.keeper.isLeader() && this.state.has(event.tag))
      void this.answer(event.tag, event.id);
  }

  private async answer(tag: string, id: string): Promise<void> {
    const state = this.state.entry(tag);
    await this.runNow(tag);
    const event = { type: 'refreshed', tag, id, revision: state.revision } as const;
    await this.options.store.publish(this.options.name, event).catch(() => undefined);
  }
}
