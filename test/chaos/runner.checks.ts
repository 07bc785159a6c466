/**
 * "One runner" judged by what the library controls, from what each process logged about its own
 * lease (test/fixtures/instance.ts: every call start in calls.log and every snapshot write carry
 * the fence of the caller's last acquisition and the ms left before that lease may have expired by
 * its monotonic clock, from its last confirmed acquire/renew) and from the store's lease record as
 * the monitor polled it:
 * - no call starts, and no write is sent, once the caller's lease may have run out by its own clock;
 * - no call starts after the store showed a newer lease (a higher fence) than the caller's;
 * - no two processes call the source under one fence;
 * - no two processes report `isLeader()` at the same time for longer than the lease;
 * - a leader cut off from the store makes no call later than one lease TTL into the partition.
 * Calls that overlap in time are information: a pause inside a call stretches it across the next
 * leader's calls whatever the library does; each is shown with the fault that explains it.
 */
import type { SourceCall } from '../fixtures/file.source.js';
import type { Instance } from '../support/cluster.js';
import type { CallSpan } from './calls.log.js';
import type { LinkFault } from './network.faults.js';
import type { PauseRecord } from './pause.faults.js';
import type { LeaseSample } from './store.monitor.js';

/** A call start that breaks one of the lease rules, with what the caller and the store knew. */
export interface LateCall {
  pid: number;
  tag: string;
  action: string;
  at: number;
  fence: number;
  /** ms the caller's own clock gave its lease (≤ 0: it may have expired). */
  left: number;
  /** The highest fence the store had shown before the call. */
  storeFence?: number;
  /** ms since the caller's event loop had last turned. */
  unscheduled?: number;
}

/** A snapshot write the fixture reported over IPC (test/fixtures/instance.ts `observeWrites`). */
export interface WriteReport {
  pid: number;
  tag: string;
  fence: number;
  leaseFence: number;
  left: number;
  sentAt: number;
  accepted: boolean | 'error';
}

/**
 * Call starts made when the caller's own clock no longer vouched for its lease (or it never had one). A
 * late call in a process whose event loop had not turned since before its lease ran out (not scheduled:
 * CPU starvation, a page fault — no injected pause or stall) may have had its lease checked in time: the
 * check and the call are one synchronous run. Those are `unscheduled` (information, as for any library),
 * the others `late`.
 */
export function ownClockLate(
  calls: readonly SourceCall[],
  pauses: readonly PauseRecord[],
): { late: LateCall[]; unscheduled: LateCall[] } {
  const late: LateCall[] = [];
  const unscheduled: LateCall[] = [];
  for (const c of calls) {
    if (c.phase !== 'start' || !c.lease || (c.lease.fence > 0 && c.lease.left > 0)) continue;
    const { fence, left, unscheduled: idle } = c.lease;
    const call = { pid: c.pid, tag: c.tag, action: c.action, at: c.at, fence, left, unscheduled: idle };
    const injected = pauses.some((p) => p.pid === c.pid && p.from < c.at && p.to > c.at - idle);
    (fence > 0 && idle > -left && !injected ? unscheduled : late).push(call);
  }
  return { late, unscheduled };
}

/**
 * Call starts under a fence lower than one the store had already shown as the lease (answered before the
 * call; for a process not scheduled for a while, before its last event-loop turn).
 */
export function storeLate(
  calls: readonly SourceCall[],
  samples: readonly LeaseSample[],
  pauses: readonly PauseRecord[],
): LateCall[] {
  const seen = samples
    .filter((s) => s.fence !== undefined)
    .map((s) => ({ at: s.receivedAt, fence: s.fence! }))
    .sort((a, b) => a.at - b.at);
  for (let i = 1; i < seen.length; i++) seen[i].fence = Math.max(seen[i].fence, seen[i - 1].fence);
  const highestBefore = (at: number) => {
    let [lo, hi, found] = [0, seen.length - 1, undefined as number | undefined];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (seen[mid].at < at) [found, lo] = [seen[mid].fence, mid + 1];
      else hi = mid - 1;
    }
    return found;
  };
  return calls.flatMap((c) => {
    if (c.phase !== 'start' || !c.lease) return [];
    // As of the process's last event-loop turn before the call (it checked its lease since), unless an
    // injected pause or stall explains the gap: the module must re-check after those.
    const idle = c.lease.unscheduled;
    const injected = pauses.some((p) => p.pid === c.pid && p.from < c.at && p.to > c.at - idle);
    const storeFence = highestBefore(injected ? c.at : c.at - idle);
    return storeFence !== undefined && storeFence > c.lease.fence
      ? [{ pid: c.pid, tag: c.tag, action: c.action, at: c.at, fence: c.lease.fence, left: c.lease.left, storeFence }]
      : [];
  });
}

/** Fences under which more than one process started calls. */
export function sharedFences(calls: readonly SourceCall[]): { fence: number; pids: number[] }[] {
  const byFence = new Map<number, Set<number>>();
  for (const c of calls)
    if (c.phase === 'start' && c.lease && c.lease.fence > 0)
      byFence.set(c.lease.fence, (byFence.get(c.lease.fence) ?? new Set()).add(c.pid));
  return [...byFence].flatMap(([fence, pids]) => (pids.size > 1 ? [{ fence, pids: [...pids] }] : []));
}

/** Every write the instances reported. */
export function writeReports(instances: readonly Instance[]): WriteReport[] {
  return instances.flatMap((i) =>
    i.events.flatMap((e) => ((e.type as string) === 'write' ? [{ ...(e as unknown as WriteReport), pid: i.pid }] : [])),
  );
}

/** Writes sent when the writer's clock no longer vouched for the lease of their fence. */
export function lateWrites(writes: readonly WriteReport[]): WriteReport[] {
  return writes.filter((w) => w.fence !== w.leaseFence || w.left <= 0);
}

/**
 * Intervals in which an instance answered `isLeader()` true: its `leader` reports, cut at each gap in
 * which it did not run (`unscheduled`: paused, event loop blocked) — it answered nobody meanwhile.
 */
export function leadership(instance: Instance, exitedAt: number | undefined, end: number): [number, number][] {
  const spans: [number, number][] = [];
  let since: number | undefined;
  for (const event of instance.events) {
    const e = event as unknown as { type: string; leader?: boolean; at: number; from: number; to: number };
    if (e.type === 'unscheduled' && since !== undefined) {
      spans.push([since, e.from]);
      since = e.to;
    } else if (e.type === 'leader' && e.leader && since === undefined) since = e.at;
    else if (e.type === 'leader' && !e.leader && since !== undefined) {
      spans.push([since, e.at]);
      since = undefined;
    }
  }
  if (since !== undefined) spans.push([since, exitedAt ?? end]);
  return spans;
}

/** The longest time two processes both reported leading, and every overlap longer than `bound`. */
export function leadershipOverlaps(
  instances: readonly Instance[],
  exitedAt: ReadonlyMap<number, number>,
  end: number,
  bound: number,
): { max: number; over: string[] } {
  const spans = instances.map((i) => ({ pid: i.pid, spans: leadership(i, exitedAt.get(i.pid), end) }));
  let max = 0;
  const over: string[] = [];
  for (let a = 0; a < spans.length; a++)
    for (let b = a + 1; b < spans.length; b++)
      for (const [s1, e1] of spans[a].spans)
        for (const [s2, e2] of spans[b].spans) {
          const overlap = Math.min(e1, e2) - Math.max(s1, s2);
          if (overlap <= 0) continue;
          max = Math.max(max, overlap);
          if (overlap > bound)
            over.push(`pids ${spans[a].pid} and ${spans[b].pid} both led for ${overlap} ms from ${Math.max(s1, s2)}`);
        }
  return { max, over };
}

/** For each partition that cut the leader off for at least a TTL: its last call start in it, relative to the cut. */
export function partitionedLeaderCalls(
  calls: readonly SourceCall[],
  faults: readonly LinkFault[],
  leaseTtl: number,
): { fault: LinkFault; lastCallMs?: number }[] {
  return faults
    .filter((f) => f.leader !== undefined && f.heal !== 'none' && f.kind !== 'flap-links' && f.to - f.from >= leaseTtl)
    .map((fault) => {
      const starts = calls.filter(
        (c) => c.phase === 'start' && c.pid === fault.leader && c.at >= fault.from && c.at <= fault.to,
      );
      return { fault, lastCallMs: starts.length ? starts.at(-1)!.at - fault.from : undefined };
    });
}

/** What explains an overlap of two calls: a pause, stall or cut link of the earlier call's process during it. */
export function overlapCause(
  [a]: readonly [CallSpan, CallSpan],
  pauses: readonly PauseRecord[],
  links: readonly LinkFault[],
): string {
  const pause = pauses.find((p) => p.pid === a.pid && p.from < a.end && p.to > a.start);
  if (pause) return pause.kind;
  const link = links.find((l) => l.pids.includes(a.pid) && l.from < a.end && l.to > a.start);
  return link ? link.kind : 'none';
}
