import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import type { SyncFleetInstance } from './fleet.types.js';

/**
 * Turns heartbeats into the fleet view: per instance and task, the version served and
 * whether it lags, i.e. another instance serves a newer store revision of that task. Lag
 * time runs from the first install of the newest revision anywhere in the fleet. Leader
 * first, then by start time.
 */
export function fleetView(beats: readonly SyncHeartbeat[], self: string, now = Date.now()): SyncFleetInstance[] {
  const newest = new Map<string, { revision: number; since: number | undefined }>();
  for (const beat of beats) {
    for (const [tag, task] of Object.entries(beat.tasks)) {
      const seen = newest.get(tag);
      if (!seen || task.revision > seen.revision) newest.set(tag, { revision: task.revision, since: task.installedAt });
      else if (task.revision === seen.revision && task.installedAt !== undefined)
        seen.since = Math.min(seen.since ?? Infinity, task.installedAt);
    }
  }
  return [...beats]
    .sort((a, b) => Number(b.leader) - Number(a.leader) || a.startedAt - b.startedAt)
    .map((beat) => ({
      instance: beat.instance,
      host: beat.host,
      pid: beat.pid,
      startedAt: new Date(beat.startedAt),
      seenAt: new Date(beat.at),
      leader: beat.leader,
      self: beat.instance === self,
      tasks: Object.entries(beat.tasks).map(([tag, task]) => {
        const top = newest.get(tag)!;
        const lagging = task.revision < top.revision;
        return {
          tag,
          version: task.version,
          revision: task.revision,
          origin: task.origin,
          installedAt: task.installedAt === undefined ? undefined : new Date(task.installedAt),
          lagging,
          lagMs: lagging ? Math.max(0, now - (top.since ?? now)) : undefined,
        };
      }),
    }));
}
