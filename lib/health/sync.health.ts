import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { SyncError } from '../sync.errors.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type { SyncRecordHead } from '../backend/sync-store.interface.js';
import { SyncLeaseKeeper } from '../engine/lease.keeper.js';
import { SyncReplicaState } from '../engine/replica.state.js';
import { withTimeout } from '../backend/with-timeout.util.js';
import { SyncFleetReader } from '../engine/fleet/fleet.reader.js';

/** Options of `SyncHealthIndicator.isHealthy()`. */
export interface SyncHealthOptions {
  /** Tasks to judge; default every task. */
  tags?: readonly string[];
  /** ms a task's last successful check may be old; default 3 × its interval. */
  maxStaleness?: number;
  /** ms an instance may serve an older version of a task than another instance does; default: not checked. */
  maxLag?: number;
}

/** ms the indicator waits for the lock or the store before calling the check down. */
const BACKEND_DEADLINE = 3_000;

/**
 * Terminus indicator: up when every named task has data, its last successful
 * check is younger than `maxStaleness`, and some process holds the lease.
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
    @Optional() private readonly fleet?: SyncFleetReader,
  ) {}

  async isHealthy(key = 'sync', options: SyncHealthOptions = {}): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { lock, store, name } = this.options;
    const deadline = () => new SyncError(`no answer within ${BACKEND_DEADLINE} ms`);
    try {
      const states = options.tags ? options.tags.map((tag) => this.state.entry(tag)) : this.state.all();
      const leader = this.keeper.isLeader();
      const [holder, heads] = await Promise.all([
        withTimeout(lock.current(name), BACKEND_DEADLINE, deadline),
        leader ? new Map<string, SyncRecordHead>() : withTimeout(store.heads(name), BACKEND_DEADLINE, deadline),
      ]);
      const now = Date.now();
      let healthy = holder !== undefined;
      const tasks: Record<string, object> = {};
      for (const state of states) {
        const { tag, interval } = state.task;
        const checkedAt = Math.max(state.lastCheckedAt ?? 0, heads.get(tag)?.checkedAt ?? 0) || undefined;
        const staleness = checkedAt === undefined ? undefined : now - checkedAt;
        const ok =
          state.snapshot !== undefined &&
          staleness !== undefined &&
          staleness <= (options.maxStaleness ?? 3 * interval);
        healthy &&= ok;
        tasks[tag] = {
          ok,
          version: state.snapshot?.version,
          lastCheckedAt: checkedAt === undefined ? undefined : new Date(checkedAt).toISOString(),
          stalenessMs: staleness,
          consecutiveFailures: state.consecutiveFailures,
          lastError: state.lastError?.message,
        };
      }
      const reason = holder ? undefined : 'no process holds the lease';
      const details: Record<string, unknown> = { leader: holder?.holder ?? null, isLeader: leader, reason, tasks };
      if (options.maxLag !== undefined && this.fleet) {
        const lagging = await this.lagging(options.maxLag, deadline);
        healthy &&= lagging.length === 0;
        details.lagging = lagging;
      }
      return healthy ? indicator.up(details) : indicator.down(details);
    } catch (error) {
      return indicator.down({ reason: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Instances serving an older revision of a task than another instance, for longer than `maxLag` ms. */
  private async lagging(maxLag: number, deadline: () => SyncError): Promise<object[]> {
    const fleet = await withTimeout(this.fleet!.fleet(), BACKEND_DEADLINE, deadline);
    return fleet.flatMap((instance) =>
      instance.tasks
        .filter((task) => task.lagMs !== undefined && task.lagMs > maxLag)
        .map((task) => ({ instance: instance.instance, tag: task.tag, version: task.version, lagMs: task.lagMs })),
    );
  }
}
