import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { SyncError } from '../sync.errors.js';
import { STALE_CHECK, WAITING_FOR_FIRST_CHECK } from '../sync.messages.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type { SyncRecordHead } from '../backend/sync-store.interface.js';
import type { SyncVersion } from '../backend/sync-version.js';
import { type SyncTaskTag, tokenTag } from '../sync-task.token.js';
import { SyncLeaseKeeper } from '../engine/lease.keeper.js';
import { SyncReplicaState, type SyncTaskState } from '../engine/replica.state.js';
import { withTimeout } from '../backend/with-timeout.util.js';

/** Options of `SyncHealthIndicator.isHealthy()`. */
export interface SyncHealthOptions {
  /** Tasks to judge (tags or `defineSyncTask()` tokens); default every task. */
  tags?: readonly SyncTaskTag[];
  /** ms a task's last successful check may be old; default 3 × its interval. */
  maxStaleness?: number;
}

/** One task in the indicator's details. */
// Type aliases, not interfaces: Terminus takes details as Record<string, unknown>, which an interface does not fit.
export type SyncTaskHealth = {
  readonly ok: boolean;
  /** Why the task is not ok: `waiting for the first check`, its last error, or its staleness. */
  readonly reason?: string;
  readonly version?: SyncVersion;
  readonly lastCheckedAt?: string;
  readonly stalenessMs?: number;
  readonly consecutiveFailures: number;
  readonly lastError?: string;
};

/** The details `isHealthy()` reports under its key, besides `status`. */
export type SyncHealthDetails = {
  /** The lease holder, `null` when no process leads. */
  readonly leader?: string | null;
  /** Whether this process leads. */
  readonly isLeader?: boolean;
  /** Why the indicator is down as a whole (no leader, a backend that does not answer, an unknown tag). */
  readonly reason?: string;
  readonly tasks?: Readonly<Record<string, SyncTaskHealth>>;
};

/** ms the indicator waits for the lock or the store before calling the check down. */
const BACKEND_DEADLINE = 3_000;

/**
 * Terminus indicator: up when every named task has data, its last successful
 * check is younger than `maxStaleness`, and some process holds the lease.
 * On a follower, the check times come from the store (the leader writes them).
 * Never throws: an unreachable backend or an unknown tag is reported as down.
 * Typed by its key, as Terminus' own indicators are.
 */
@Injectable()
export class SyncHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly state: SyncReplicaState,
    private readonly keeper: SyncLeaseKeeper,
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
  ) {}

  async isHealthy<const Key extends string = 'sync'>(
    key: Key = 'sync' as Key,
    options: SyncHealthOptions = {},
  ): Promise<HealthIndicatorResult<Key, 'up' | 'down', SyncHealthDetails>> {
    const indicator = this.health.check(key);
    const { lock, store, name } = this.options;
    const deadline = () => new SyncError(`no answer within ${BACKEND_DEADLINE} ms`);
    try {
      const states = options.tags ? options.tags.map((tag) => this.state.entry(tokenTag(tag))) : this.state.all();
      const leader = this.keeper.isLeader();
      const [holder, heads] = await Promise.all([
        withTimeout(lock.current(name), BACKEND_DEADLINE, deadline),
        leader ? new Map<string, SyncRecordHead>() : withTimeout(store.heads(name), BACKEND_DEADLINE, deadline),
      ]);
      const now = Date.now();
      let healthy = holder !== undefined;
      const tasks: Record<string, SyncTaskHealth> = {};
      for (const state of states) {
        const task = this.judge(state, heads.get(state.task.tag), now, options.maxStaleness);
        healthy &&= task.ok;
        tasks[state.task.tag] = task;
      }
      const reason = holder ? undefined : 'no process holds the lease';
      const details: SyncHealthDetails = { leader: holder?.holder ?? null, isLeader: leader, reason, tasks };
      return healthy ? indicator.up(details) : indicator.down(details);
    } catch (error) {
      const details: SyncHealthDetails = { reason: error instanceof Error ? error.message : String(error) };
      return indicator.down(details);
    }
  }

  private judge(
    state: SyncTaskState,
    head: SyncRecordHead | undefined,
    now: number,
    maxStaleness = 3 * state.task.interval,
  ): SyncTaskHealth {
    const checkedAt = Math.max(state.lastCheckedAt ?? 0, head?.checkedAt ?? 0) || undefined;
    const staleness = checkedAt === undefined ? undefined : now - checkedAt;
    const ok = state.snapshot !== undefined && staleness !== undefined && staleness <= maxStaleness;
    // The last error explains best; before any data and any error, the task is just new.
    const reason = ok
      ? undefined
      : ((state.consecutiveFailures > 0 ? state.lastError?.message : undefined) ??
        (state.snapshot === undefined || staleness === undefined
          ? WAITING_FOR_FIRST_CHECK
          : STALE_CHECK(staleness, maxStaleness)));
    return {
      ok,
      reason,
      version: state.snapshot?.version,
      lastCheckedAt: checkedAt === undefined ? undefined : new Date(checkedAt).toISOString(),
      stalenessMs: staleness,
      consecutiveFailures: state.consecutiveFailures,
      lastError: state.lastError?.message,
    };
  }
}
