/**
 * The invariants computed from what a chaos run recorded: the source's
 * calls.log, the lease timeline read from the store, each instance's installed
 * versions (IPC `change` events) and the faults injected.
 */
import type { SourceCall } from '../fixtures/file.source.js';
import type { Instance } from '../support/cluster.js';
import type { LeaseSample } from './store.monitor.js';

/** A fault that may end a leadership: the leader killed or paused, the store restarted, connections cut. */
export interface Disruption {
  kind: string;
  at: number;
}

/** A version installed after a newer one, by one instance. */
export interface Regression {
  pid: number;
  tag: string;
  from: number;
  to: number;
}

/** A call by a process while the store showed, before and after it, another process's lease (same fence). */
export interface OutOfLeaseCall {
  pid: number;
  tag: string;
  action: string;
  at: number;
  holder: number;
  fence: number;
}

/** A change of the process running the checks (the first call by a new pid). */
export interface Takeover {
  from: number;
  to: number;
  at: number;
  /** The fault it follows, or 'none' when no fault came in the 10 s before. */
  cause: string;
  /** From that fault to the new runner's first call. */
  ms?: number;
}

/** Every instance's per-tag history of installed versions must never go down. */
export function regressions(instances: readonly Instance[], tags: readonly string[]): Regression[] {
  const found: Regression[] = [];
  for (const instance of instances) {
    for (const tag of tags) {
      let highest = -Infinity;
      for (const version of instance.history(tag)) {
        if (version < highest) found.push({ pid: instance.pid, tag, from: highest, to: version });
        highest = Math.max(highest, version);
      }
    }
  }
  return found;
}

/**
 * Calls made while the lease belonged to another process for sure: the last
 * reading answered before the call and the first one sent after it show the
 * same lease (same fence: no acquisition in between, so it was held
 * throughout) of another pid.
 */
export function outOfLeaseCalls(calls: readonly SourceCall[], samples: readonly LeaseSample[]): OutOfLeaseCall[] {
  const found: OutOfLeaseCall[] = [];
  for (const call of calls) {
    if (call.phase !== 'start') continue;
    const before = lastIndex(samples, (s) => s.receivedAt < call.at);
    const after = before + 1 < samples.length ? firstIndex(samples, before + 1, (s) => s.sentAt > call.at) : -1;
    if (before < 0 || after < 0) continue;
    const [a, b] = [samples[before], samples[after]];
    if (a.fence === undefined || a.fence !== b.fence || a.pid !== b.pid || a.pid === call.pid) continue;
    found.push({ pid: call.pid, tag: call.tag, action: call.action, at: call.at, holder: a.pid!, fence: a.fence });
  }
  return found;
}

/** Runner changes in call order, each tied to the latest disruption before it. */
export function takeovers(calls: readonly SourceCall[], disruptions: readonly Disruption[]): Takeover[] {
  const found: Takeover[] = [];
  let runner: number | undefined;
  for (const call of calls) {
    if (call.phase !== 'start' || call.pid === runner) continue;
    if (runner !== undefined) {
      // The latest fault before the call (a stall is recorded once it is over, so not in time order).
      const cause = disruptions
        .filter((d) => d.at <= call.at && call.at - d.at <= 10_000)
        .reduce<Disruption | undefined>((latest, d) => (latest && latest.at > d.at ? latest : d), undefined);
      found.push({
        from: runner,
        to: call.pid,
        at: call.at,
        cause: cause?.kind ?? 'none',
        ms: cause && call.at - cause.at,
      });
    }
    runner = call.pid;
  }
  return found;
}

/**
 * The lease readings between `from` and `to`, one entry per change: `+ms fence/pid` or `+ms none` (relative to `from`).
 */
export function leaseTimeline(samples: readonly LeaseSample[], from: number, to: number): string {
  const parts: string[] = [];
  let last = '';
  for (const sample of samples) {
    if (sample.sentAt < from || sample.sentAt > to) continue;
    const now = sample.fence === undefined ? 'none' : `fence ${sample.fence} pid ${sample.pid}`;
    if (now !== last) parts.push(`+${sample.sentAt - from} ms ${now}`);
    last = now;
  }
  return parts.join(', ') || 'no reading';
}

/** Median and max of `values` (NaN when empty). */
export function medianMax(values: readonly number[]): { median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (!n) return { median: NaN, max: NaN };
  return { median: n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2, max: sorted[n - 1] };
}

/** Largest index whose sample satisfies a predicate that is true for a prefix; -1 if none. */
function lastIndex(samples: readonly LeaseSample[], inPrefix: (s: LeaseSample) => boolean): number {
  let [lo, hi] = [0, samples.length - 1];
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (inPrefix(samples[mid])) [found, lo] = [mid, mid + 1];
    else hi = mid - 1;
  }
  return found;
}

/** Smallest index ≥ from whose sample satisfies a predicate that is true for a suffix; -1 if none. */
function firstIndex(samples: readonly LeaseSample[], from: number, inSuffix: (s: LeaseSample) => boolean): number {
  let [lo, hi] = [from, samples.length - 1];
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (inSuffix(samples[mid])) [found, hi] = [mid, mid - 1];
    else lo = mid + 1;
  }
  return found;
}
