import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { SyncError } from '../sync.errors.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type { SyncRecordHead } from '../backend/sync-store.interface.js';
import type { SyncLeaseInfo } from '../backend/sync-lock.interface.js';
import { SyncLeaseKeeper } from '../engine/lease.keeper.js';
import { SyncReplicaState } from '../engine/replica.state.js';
import { withTimeout } from '../backend/with-timeout.util.js';
import { SyncBackup } from '../engine/backup/backup.service.js';
import { STORE_STILL_DOWN } from '../engine/backup/backup.messages.js';

/** Options of `SyncHealthIndicator.isHealthy()`. */
export interface SyncHealthOptions {
  /** Tasks to judge; default every task. */
  tags?: readonly string[];
  /** ms a task's last successful check may be old; default 3 × its interval. */
  maxStaleness?: number;
  /**
   * Judge each task on the data this process serves, whatever its origin (live or a backup file), and do not
   * go down because the store or lock does not answer or no process leads: up when every task has data last
   * checked within `maxStaleness`. For a readiness probe that keeps an instance in rotation on recent backup
   * data during a store outage. Default false: backup data is not healthy, and the store must answer.
   */
  acceptBackup?: boolean;
}

/** ms the indicator waits for the lock or the store before calling the check down. */
const BACKEND_DEADLINE = 3_000;

/**
 * Terminus indicator: up when every named task has live data, its last successful
 * check is younger than `maxStaleness`, and some process holds the lease (with
 * `acceptBackup`: when every named task has data of any origin younger than that).
 * The details show per task its version, origin (live / backup) and staleness (the data's age).
 * On a follower, the check times come from the store (the leader writes them).
 * Never throws: an unreachable backend or an unknown tag is reported as down.
 */
@Injectable()
export class SyncHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly state: SyncReplicaState,
    private readonly keeper: SyncLeaseKeeper,
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    private readonly backup: SyncBackup,
  ) {}

  async isHealthy(key = 'sync', options: SyncHealthOptions = {}): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { lock, store, name } = this.options;
    const deadline = () => new SyncError(`no answer within ${BACKEND_DEADLINE} ms`);
    let states;
    try {
      states = options.tags ? options.tags.map((tag) => this.state.entry(tag)) : this.state.all();
    } catch (error) {
      return indicator.down({ reason: error instanceof Error ? error.message : String(error) });
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
    const tasks: Record<string, object> = {};
    for (const state of states) {
      const { tag, interval } = state.task;
      const checkedAt = Math.max(state.lastCheckedAt ?? 0, heads.get(tag)?.checkedAt ?? 0) || undefined;
      const staleness = checkedAt === undefined ? undefined : now - checkedAt;
      const ok =
        state.snapshot !== undefined &&
        (acceptBackup || state.origin === 'live') &&
        staleness !== undefined &&
        staleness <= (options.maxStaleness ?? 3 * interval);
      healthy &&= ok;
      tasks[tag] = {
        ok,
        version: state.snapshot?.version,
        origin: state.snapshot ? state.origin : undefined,
        lastCheckedAt: checkedAt === undefined ? undefined : new Date(checkedAt).toISOString(),
        stalenessMs: staleness,
        consecutiveFailures: state.consecutiveFailures,
        lastError: state.lastError?.message,
      };
    }
    const reason = unreachable ?? (holder ? undefined : 'no process holds the lease');
    const details: Record<string, unknown> = { leader: holder?.holder ?? null, isLeader: leader, reason, tasks };
    return healthy ? indicator.up(details) : indicator.down(details);
  }
}
