/**
 * The "one runner" rows of a chaos run's verdict (the checks are in runner.checks.ts): calls and writes
 * against the caller's own lease view and the store's lease record, fences, isLeader() overlaps, a
 * partitioned leader's last call, what a paused or stalled leader did after it resumed — and, as
 * information, the calls a pause stretched across a takeover and calls while the store showed
 * another pid's lease.
 */
import { overlappingCalls } from './calls.log.js';
import { type ChaosRecord, first, type InvariantRow, ms } from './chaos.report.js';
import { type OutOfLeaseCall, outOfLeaseCalls, type Takeover } from './invariant.checks.js';
import type { LinkFault } from './network.faults.js';
import {
  lateWrites,
  leadershipOverlaps,
  overlapCause,
  ownClockLate,
  partitionedLeaderCalls,
  sharedFences,
  storeLate,
  writeReports,
} from './runner.checks.js';
import type { LeaseSample } from './store.monitor.js';

/** The lock calls `pid` reported (instance.probe.ts) in the `ms` before `at`, and its leadership log lines. */
function lockTimeline(r: ChaosRecord, pid: number, at: number, ms = 3_000): string {
  const instance = r.cluster.instances.find((i) => i.pid === pid);
  if (!instance) return '';
  const calls = instance.events.flatMap((e) => {
    const lock = e as unknown as {
      type: string;
      call: string;
      fence?: number;
      sentAt: number;
      outcome: string;
      at: number;
    };
    return lock.type === 'lock' && lock.at >= at - ms && lock.sentAt <= at
      ? [
          `${lock.call}${lock.fence === undefined ? '' : ` ${lock.fence}`} sent ${lock.sentAt - at} ms → ${lock.outcome} at ${lock.at - at} ms`,
        ]
      : [];
  });
  const log = instance.output
    .split('\n')
    .filter((line) => /leadership|lease/i.test(line))
    .slice(-6);
  return `\n  lock calls (relative to the call): ${calls.join('; ') || 'none'}\n  its log: ${log.join('\n  ')}`;
}

const zero = (name: string, count: number): InvariantRow => ({
  name,
  value: String(count),
  target: '0',
  pass: count === 0,
});

/**
 * Calls outside the lease grouped by episode (caller and the lease it ignored):
 * how many, over how long, and how long after that lease was first seen.
 */
function leaseEpisodes(outside: OutOfLeaseCall[], samples: readonly LeaseSample[]): string[] {
  const episodes = new Map<string, OutOfLeaseCall[]>();
  for (const call of outside)
    episodes.set(`${call.pid}/${call.fence}`, [...(episodes.get(`${call.pid}/${call.fence}`) ?? []), call]);
  return [...episodes.values()].map((calls) => {
    const [a, z] = [calls[0], calls.at(-1)!];
    const seen = samples.find((s) => s.fence === a.fence)?.receivedAt;
    return (
      `outside the lease: pid ${a.pid} made ${calls.length} calls (${a.tag} ${a.action} … ${z.tag} ${z.action}) over ${z.at - a.at} ms, ` +
      `from ${seen === undefined ? '?' : a.at - seen} ms after pid ${a.holder}'s lease (fence ${a.fence}) was first seen in the store`
    );
  });
}

/** Per partition of the leader: how long its last call came after the cut, and the takeover that followed. */
function partitionLines(cutOff: { fault: LinkFault; lastCallMs?: number }[], taken: Takeover[]): string[] {
  if (!cutOff.length) return [];
  const takeover = (f: LinkFault) => taken.find((t) => t.at >= f.from && t.at - f.from <= 10_000)?.ms;
  return [
    `leader partitions: ${cutOff
      .map(
        (p) =>
          `${p.fault.kind} ${p.fault.to - p.fault.from} ms: last call +${p.lastCallMs ?? '—'} ms, takeover ${takeover(p.fault) ?? '—'} ms`,
      )
      .join('; ')}`,
  ];
}

/** The one-runner rows, their details (violations first) and notes (per leader partition). */
export function runnerInvariants(
  r: ChaosRecord,
  taken: Takeover[],
): { rows: InvariantRow[]; details: string[]; notes: string[] } {
  const overlaps = overlappingCalls(r.calls.spans());
  const outside = outOfLeaseCalls(r.calls.calls, r.monitor.samples);
  const { late: ownLate, unscheduled } = ownClockLate(r.calls.calls, r.injector.pauses);
  // Without persistence a store restart forgets the lease: a follower takes over while the old leader's own
  // clock still vouches for its lease (the window the README describes), so the store's view is information then.
  const storeLateCalls = storeLate(r.calls.calls, r.monitor.samples, r.injector.pauses);
  const shared = sharedFences(r.calls.calls);
  const writes = writeReports(r.cluster.instances);
  const badWrites = lateWrites(writes);
  const leading = leadershipOverlaps(r.cluster.instances, r.cluster.exitedAt, Date.now(), r.leaseTtl);
  const cutOff = partitionedLeaderCalls(r.calls.calls, r.injector.linkFaults, r.leaseTtl);
  const cutOffLate = cutOff.filter((p) => p.lastCallMs !== undefined && p.lastCallMs > r.leaseTtl);
  const stalls = r.injector.pauses.filter((p) => p.kind !== 'stop-leader');
  // After a pause inside a callback or a stall: no write sent with the old term, and the process's next
  // call only under a lease confirmed (acquire/renew sent) after it resumed — it re-checked its lease first.
  const afterStall = stalls.flatMap((p) => {
    const next = r.calls.calls.find((c) => c.pid === p.pid && c.phase === 'start' && c.at >= p.to);
    return [
      ...badWrites.filter((w) => w.pid === p.pid && w.sentAt >= p.from).map((w) => `late write at ${w.sentAt}`),
      ...(next?.lease && next.lease.confirmed < p.to ? [`call at ${next.at} under a lease confirmed before`] : []),
    ].map((what) => `after ${p.kind} of pid ${p.pid} (${p.from}–${p.to}): ${what}`);
  });
  const stretched = new Set(overlaps.map(([a]) => a));
  const byCause = (causes: string[]) =>
    Object.entries(causes.reduce<Record<string, number>>((n, c) => ({ ...n, [c]: (n[c] ?? 0) + 1 }), {}))
      .map(([cause, n]) => `${cause} ${n}`)
      .join(', ');
  const rows: InvariantRow[] = [
    zero(
      "one runner (own clock): calls started when the caller's lease may have run out by its monotonic clock (last confirmed acquire/renew send + TTL)",
      ownLate.length,
    ),
    {
      name: "calls after the caller's lease ran out, in a process not scheduled since before it ran out (its check may have come in time; information)",
      value: String(unscheduled.length),
      target: 'info',
    },
    {
      ...zero(
        'one runner (store): calls started under a lower fence than a lease the store had already shown',
        storeLateCalls.length,
      ),
      ...(r.store.persistent ? {} : { target: 'info', pass: undefined }),
    },
    zero('one runner (fence): fences under which two pids started calls', shared.length),
    zero(
      `no write sent after the writer's lease ran out by its own clock (${writes.length} writes, ${writes.filter((w) => w.accepted === false).length} refused by the fence)`,
      badWrites.length,
    ),
    {
      name: `isLeader(): longest time two processes both reported leading (bound: lease TTL ${r.leaseTtl} ms)`,
      value: ms(leading.max),
      target: `≤ ${r.leaseTtl} ms`,
      pass: leading.max <= r.leaseTtl,
    },
    {
      name: `a leader cut off from the store (${cutOff.length} partitions ≥ TTL) makes its last call within the lease TTL of the cut (latest ${ms(Math.max(...cutOff.map((p) => p.lastCallMs ?? 0)))})`,
      value: String(cutOffLate.length),
      target: '0',
      pass: cutOffLate.length === 0,
    },
    {
      name: `a paused or stalled leader (${stalls.length} pauses inside DATA calls or event-loop stalls) writes nothing with its old term, and calls the source again only after a lease confirmed after it resumed`,
      value: String(afterStall.length),
      target: '0',
      pass: afterStall.length === 0,
    },
    // Information: a call a pause (or a cut link) stretched across the next leader's first calls; not the library's.
    {
      name: 'in-flight calls stretched across a takeover (overlapping source calls of two pids), by cause',
      value: stretched.size
        ? `${stretched.size} calls (${overlaps.length} overlapping pairs): ${byCause([...stretched].map((a) => overlapCause([a, a], r.injector.pauses, r.injector.linkFaults)))}`
        : '0',
      target: 'info',
    },
    {
      name: "calls while the store showed another pid's lease (same fence before and after)",
      value: String(outside.length),
      target: 'info',
    },
  ];
  const details = [
    ...first(
      ownLate,
      (c) =>
        `call after the lease by the caller's clock: pid ${c.pid} ${c.tag} ${c.action} at ${c.at} (fence ${c.fence}, ${c.left} ms left, event loop last turned ${c.unscheduled} ms before)` +
        lockTimeline(r, c.pid, c.at),
    ),
    ...first(
      storeLateCalls,
      (c) =>
        `call under an older fence than the store's: pid ${c.pid} ${c.tag} ${c.action} at ${c.at} fence ${c.fence} (store had shown ${c.storeFence}; own clock ${c.left} ms left)`,
    ),
    ...first(
      unscheduled,
      (c) =>
        `not scheduled: pid ${c.pid} ${c.tag} ${c.action} at ${c.at} (fence ${c.fence}, ${c.left} ms left; event loop last turned ${c.unscheduled} ms before)`,
    ),
    ...first(shared, (f) => `fence ${f.fence} used by pids ${f.pids.join(', ')}`),
    ...first(
      badWrites,
      (w) =>
        `late write: pid ${w.pid} ${w.tag} fence ${w.fence} (lease fence ${w.leaseFence}, ${w.left} ms left) at ${w.sentAt}, accepted: ${w.accepted}`,
    ),
    ...leading.over.slice(0, 5),
    ...afterStall.slice(0, 5),
    ...first(
      cutOffLate,
      (p) => `partitioned leader ${p.fault.leader} (${p.fault.kind}) called the source ${p.lastCallMs} ms into the cut`,
    ),
    ...first(
      overlaps,
      ([a, b]) =>
        `overlap (${overlapCause([a, b], r.injector.pauses, r.injector.linkFaults)}): pid ${a.pid} ${a.tag} ${a.action} ${a.start}–${a.end} with pid ${b.pid} ${b.tag} ${b.action} ${b.start}–${b.end}`,
      2,
    ),
    ...first(leaseEpisodes(outside, r.monitor.samples), (e) => e),
  ];
  return { rows, details, notes: partitionLines(cutOff, taken) };
}
