import type { SyncHeartbeatTask } from '../../backend/sync-heartbeat.interface.js';
import type { SyncRegistry } from '../../sync.registry.js';
import type { SyncReplicaState, SyncTaskState } from '../replica.state.js';

/**
 * The per-task part of this process's heartbeat, and whether it changed since the last beat
 * sent. A beat describes every task, so the publisher sends one only when there is news; this
 * tells it without building one and without keeping anything per task (a copy of each entry
 * would cost ~150 bytes a task of heap for 100,000 tasks). A replica changes its entry by an
 * install (counted from `changes$`) or by a revision moving without one (live data of the
 * version a backup serves, a store reset forgetting revisions): those move the sum of the
 * revisions, which only an install can move back, and an install is news itself.
 */
export class SyncFleetEntries {
  private readonly installedAt = new Map<string, number>();
  /** Every task's state, once every task is registered (states are created once and kept). */
  private states: SyncTaskState[] | undefined;
  /** Installs since the last beat sent. */
  private installs = 0;
  /** The sum of the revisions the last beat sent carried. */
  private revisions = 0;

  constructor(
    private readonly state: SyncReplicaState,
    private readonly registry: SyncRegistry,
  ) {}

  /** How many tasks a beat describes. */
  get size(): number {
    return this.tasks().length;
  }

  /** Notes that `tag` installed a snapshot at `at` (epoch ms, this process's clock). */
  installed(tag: string, at: number): void {
    this.installedAt.set(tag, at);
    this.installs++;
  }

  /** Whether an entry may differ from the last beat sent: one loop over the tasks, nothing allocated. */
  changed(): boolean {
    return this.installs > 0 || this.sum() !== this.revisions;
  }

  /** Every task's entry now, in registration order; `revisions` goes to `sent()` if the beat is sent. */
  build(): { tasks: Record<string, SyncHeartbeatTask>; revisions: number } {
    const tasks: Record<string, SyncHeartbeatTask> = {};
    let revisions = 0;
    for (const state of this.tasks()) {
      const entry: SyncHeartbeatTask = { revision: state.revision };
      revisions += state.revision;
      const version = state.snapshot?.version;
      if (version !== undefined) {
        entry.version = version;
        entry.origin = state.origin ?? 'live';
        const installedAt = this.installedAt.get(state.task.tag);
        if (installedAt !== undefined) entry.installedAt = installedAt;
      }
      tasks[state.task.tag] = entry;
    }
    return { tasks, revisions };
  }

  /** The beat built with `revisions` was sent: what it carried is no longer news. */
  sent(revisions: number): void {
    this.installs = 0;
    this.revisions = revisions;
  }

  private sum(): number {
    let sum = 0;
    for (const state of this.tasks()) sum += state.revision;
    return sum;
  }

  private tasks(): SyncTaskState[] {
    if (this.states) return this.states;
    const states = this.state.all();
    // Before every task is registered (a `fleet()` from a constructor), the list is read again next time.
    if (this.registry.isComplete()) this.states = states;
    return states;
  }
}
