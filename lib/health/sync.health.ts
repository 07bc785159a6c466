import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { SyncError } from '../sync.errors.js';
import { SERVING_BACKUP, STALE_CHECK, WAITING_FOR_FIRST_CHECK } from '../sync.messages.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type { SyncRecordHead } from '../backend/sync-store.interface.js';
import type { SyncLeaseInfo } from '../backend/sync-lock.interface.js';
import type { SyncVersion } from '../backend/sync-version.js';
import type { SyncDataOrigin } from '../interfaces/sync-task.interface.js';
import { type SyncTaskTag, tokenTag } from '../sync-task.token.js';
import { SyncLeaseKeeper } from '../engine/lease.keeper.js';
import { SyncReplicaState, type SyncTaskState } from '../engine/replica.state.js';
import { withTimeout } from '../backend/with-timeout.util.js';
import { SyncBackup } from '../engine/backup/backup.service.js';
import { STORE_STILL_DOWN } from '../engine/backup/backup.messages.js';
import { SyncFleetReader } from '../engine/fleet/fleet.reader.js';

/** Options of `SyncHealthIndicator.isHealthy()`. */
export interface SyncHealthOptions {
  /** Tasks to judge (tags or `defineSyncTask()` tokens); default every task. */
  tags?: readonly SyncTaskTag[];
  /** ms a task's last successful check may be old; default 3 × its interval. */
  maxStaleness?: number;
  /**
   * Judge each task on the data this process serves, whatever its origin (live or a backup file), and do not
   * go down because the store or lock does not answer or no process leads: up when every task has data last
   * checked within `maxStaleness`. For a readiness probe that keeps an instance in rotation on recent backup
   * data during a store outage. Default false: backup data is not healthy, and the store must answer.
   */
  acceptBackup?: boolean;
  /** ms an instance may serve an older version of a task than another instance does; default: not checked. */
  maxLag?: number;
}

/** One task in the indicator's details. */
// Type aliases, not interfaces: Terminus takes details as Record<string, unknown>, which an interface does not fit.
export type SyncTaskHealth = {
  readonly ok: boolean;
  /** Why the task is not ok: `waiting for the first check`, its last error, or its staleness. */
  readonly reason?: string;
  readonly version?: SyncVersion;
  /** Where the data this process serves came from: the store or the leader's check (`live`), or a backup file. */
  readonly origin?: SyncDataOrigin;
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
  /** With `maxLag`: the instances serving a task's version behind another instance's for longer than that. */
  readonly lagging?: readonly SyncLaggingTask[];
};

/** One instance × task that lags, as `isHealthy({ maxLag })` reports it. */
export type SyncLaggingTask = {
  readonly instance: string;
  readonly tag: string;
  readonly version?: SyncVersion;
  readonly lagMs?: number;
};

/** ms the indicator waits for the lock or the store before calling the check down. */
const BACKEND_DEADLINE = 3_000;

/**
 * Terminus indicator: up when every named task has live data, its last successful
 * check is younger than `maxStaleness`, and some process holds the lease (with
 * `acceptBackup`: when every named task has data of any origin younger than that).
 * The details show per task its version, origin (live / backup) and staleness (the data's age).
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
    private readonly backup: SyncBackup,
    @Optional() private readonly fleet?: SyncFleetReader,
  ) {}

  async isHealthy<const Key extends string = 'sync'>(
    key: Key = 'sync' as Key,
    options: SyncHealthOptions = {},
  ): Promise<HealthIndicatorResult<Key, 'up' | 'down', SyncHealthDetails>> {
    const indicator = this.health.check(key);
    const { lock, store, name } = this.options;
    const deadline = () => new SyncError(`no answer within ${BACKEND_DEADLINE} ms`);
    let states: SyncTaskState[];
    try {
      states = options.tags ? options.tags.map((tag) => this.state.entry(tokenTag(tag))) : this.state.all();
    } catch (error) {
      const details: SyncHealthDetails = { reason: error instanceof Error ? error.message : String(error) };
      return indicator.down(details);
    }
    const leader = this.keeper.isLeader();
    const outage = this.backup.outage;
    let holder: SyncLeaseInfo | undefined;
    let heads = new Map<string, SyncRecordHead>();
    let unreachable: string | undefined;
    try {
      if (outage) throw new SyncError(`${STORE_STILL_DOWN(outage.since)}: ${outage.reason}`);
      [holder, heads] = await Promise.all([
        withTimeout(lock.current(name), BACKEND_DEADLINE, deadline),
        leader ? heads : withTimeout(store.heads(name), BACKEND_DEADLINE, deadline),
      ]);
    } catch (error) {
      unreachable = error instanceof Error ? error.message : String(error);
    }
    const acceptBackup = options.acceptBackup === true;
    const now = Date.now();
    let healthy = acceptBackup || (unreachable === undefined && holder !== undefined);
    const tasks: Record<string, SyncTaskHealth> = {};
    for (const state of states) {
      const task = this.judge(state, heads.get(state.task.tag), now, acceptBackup, options.maxStaleness);
      healthy &&= task.ok;
      tasks[state.task.tag] = task;
    }
    const reason = unreachable ?? (holder ? undefined : 'no process holds the lease');
    let details: SyncHealthDetails = { leader: holder?.holder ?? null, isLeader: leader, reason, tasks };
    if (options.maxLag !== undefined && this.fleet && unreachable === undefined) {
      try {
        const lagging = await this.lagging(options.maxLag, deadline);
        healthy &&= lagging.length === 0;
        details = { ...details, lagging };
      } catch (error) {
        healthy = false;
        details = { ...details, reason: error instanceof Error ? error.message : String(error) };
      }
    }
    return healthy ? indicator.up(details) : indicator.down(details);
  }

  private judge(
    state: SyncTaskState,
    head: SyncRecordHead | undefined,
    now: number,
    acceptBackup: boolean,
    maxStaleness = 3 * state.task.interval,
  ): SyncTaskHealth {
    const checkedAt = Math.max(state.lastCheckedAt ?? 0, head?.checkedAt ?? 0) || undefined;
    const staleness = checkedAt === undefined ? undefined : now - checkedAt;
    const live = acceptBackup || state.origin === 'live';
    const ok = state.snapshot !== undefined && live && staleness !== undefined && staleness <= maxStaleness;
    // The last error explains best; before any data and any error, the task is just new.
    const reason = ok
      ? undefined
      : ((state.consecutiveFailures > 0 ? state.lastError?.message : undefined) ??
        (state.snapshot === undefined || staleness === undefined
          ? WAITING_FOR_FIRST_CHECK
          : live
            ? STALE_CHECK(staleness, maxStaleness)
            : SERVING_BACKUP));
    return {
      ok,
      reason,
      version: state.snapshot?.version,
      origin: state.snapshot ? state.origin : undefined,
      lastCheckedAt: checkedAt === undefined ? undefined : new Date(checkedAt).toISOString(),
      stalenessMs: staleness,
      consecutiveFailures: state.consecutiveFailures,
      lastError: state.lastError?.message,
    };
  }

  /** Instances serving an older revision of a task than another instance, for longer than `maxLag` ms. */
  private async lagging(maxLag: number, deadline: () => SyncError): Promise<SyncLaggingTask[]> {
    const fleet = await withTimeout(this.fleet!.fleet(), BACKEND_DEADLINE, deadline);
    return fleet.flatMap((instance) =>
      instance.tasks
        .filter((task) => task.lagMs !== undefined && task.lagMs > maxLag)
        .map((task) => ({ instance: instance.instance, tag: task.tag, version: task.version, lagMs: task.lagMs })),
    );
  }
}
