/**
 * Turns what a chaos run recorded into its verdict: one row per invariant
 * (value, target, pass/fail; the one-runner rows come from runner.report.ts),
 * the convergence per task, the faults per kind, the takeovers — and prints it
 * all as Markdown.
 */
import type { CallsLog } from './calls.log.js';
import type { ChaosCluster } from './chaos.cluster.js';
import type { ChaosBackend, ChaosStore } from './chaos.store.js';
import { type FaultInjector, type FaultKind, faultKinds } from './fault.injector.js';
import { leaseTimeline, medianMax, regressions, type Takeover, takeovers } from './invariant.checks.js';
import type { StoreMonitor } from './store.monitor.js';
import { runnerInvariants } from './runner.report.js';
import { type ColdStart, COLD_START_BOUND_MS } from './backup-cold-start.fault.js';

/** One invariant: `pass` undefined for a figure that has no target (takeovers). */
export interface InvariantRow {
  name: string;
  value: string;
  target: string;
  pass?: boolean;
}

/** What `runChaos` returns. */
export interface ChaosResult {
  backend: ChaosBackend;
  seed: number;
  seconds: number;
  settings: { instances: number; tasks: number; interval: number; leaseTtl: number };
  store: string;
  /** Injected faults per kind, for the kinds that apply to the store. */
  faults: Partial<Record<FaultKind, number>>;
  invariants: InvariantRow[];
  convergence: { tag: string; version: number; ms?: number; converged: boolean }[];
  takeovers: Takeover[];
  recoveryMs?: number;
  /** Every violation, one line each, and other notes (skipped faults, fault errors). */
  details: string[];
  passed: boolean;
}

/** Everything the engine hands over at the end of a run. */
export interface ChaosRecord {
  backend: ChaosBackend;
  seed: number;
  seconds: number;
  instances: number;
  tasks: number;
  interval: number;
  leaseTtl: number;
  store: ChaosStore;
  cluster: ChaosCluster;
  calls: CallsLog;
  monitor: StoreMonitor;
  injector: FaultInjector;
  recoveryMs?: number;
  convergence: { tag: string; version: number; ms?: number }[];
  convergenceTarget: number;
  /** Versions the source was given with DATA that fails the schema. */
  invalidVersions: number;
}

export const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '—');
export const first = <T>(items: T[], show: (item: T) => string, n = 5) => items.slice(0, n).map(show);

/** A cold start passed: every backup version served within the bound, and the instance joined afterwards. */
const coldStartOk = (c: ColdStart) =>
  c.servedMs !== undefined && c.servedMs <= COLD_START_BOUND_MS && c.mismatched.length === 0 && c.joinMs !== undefined;

function coldStartRow(coldStarts: ColdStart[]): InvariantRow {
  const served = coldStarts.flatMap((c) => (c.servedMs === undefined ? [] : [c.servedMs]));
  const joined = coldStarts.flatMap((c) => (c.joinMs === undefined ? [] : [c.joinMs]));
  const ok = coldStarts.filter(coldStartOk).length;
  return {
    name:
      `cold start during store outage: a fresh instance serves the backup versions within ${COLD_START_BOUND_MS} ms ` +
      `of its bootstrap, then joins when the store returns (served max ${ms(Math.max(...served))}, joined median ${ms(medianMax(joined).median)})`,
    value: `${ok}/${coldStarts.length}`,
    target: `${coldStarts.length}/${coldStarts.length}`,
    pass: ok === coldStarts.length,
  };
}

/**
 * "No reader ever got data that failed its schema": every instance checks each snapshot it installs
 * (its `changes()`) by hand and reports the invalid ones; beside it, how many invalid DATA results
 * the source returned (calls.log) and how many the module refused (InvalidSyncResultError in status()).
 */
function schemaRow(r: ChaosRecord): { row: InvariantRow; details: string[] } {
  const events = r.cluster.instances.flatMap((i) => i.events.map((e) => ({ pid: i.pid, e })));
  const invalid = events.flatMap(({ pid, e }) => (e.type === 'invalid' ? [{ pid, ...e }] : []));
  const refused = events.filter(({ e }) => e.type === 'refused' && e.leader).length;
  const refusedByFollowers = events.filter(({ e }) => e.type === 'refused' && !e.leader).length;
  const returned = r.calls.calls.filter((c) => c.action === 'data' && c.phase === 'end' && c.invalid).length;
  return {
    row: {
      name:
        `no reader ever got data that failed its schema (source: ${r.invalidVersions} invalid versions, ` +
        `${returned} invalid DATA results; refused by leaders: ${refused}${refusedByFollowers ? `, by followers: ${refusedByFollowers}` : ''})`,
      value: String(invalid.length),
      target: '0',
      pass: invalid.length === 0,
    },
    details: first(invalid, (x) => `invalid data served: pid ${x.pid} ${x.tag} version ${x.version}: ${x.problem}`),
  };
}

/** Computes every invariant of a finished run. */
export function evaluate(r: ChaosRecord): ChaosResult {
  const tags = Array.from({ length: r.tasks }, (_, i) => `t${i}`);
  const stale = r.monitor.staleWrites;
  const regressed = regressions(r.cluster.instances, tags);
  const crashes = [...r.cluster.crashes, ...r.cluster.uncaught()];
  const taken = takeovers(r.calls.calls, r.injector.disruptions);
  const timed = medianMax(taken.flatMap((t) => (t.ms === undefined ? [] : [t.ms])));
  const convergence = r.convergence.map((c) => ({
    ...c,
    converged: c.ms !== undefined && c.ms <= r.convergenceTarget,
  }));
  const converged = convergence.filter((c) => c.converged).length;
  const schema = schemaRow(r);
  const zero = (name: string, count: number): InvariantRow => ({
    name,
    value: String(count),
    target: '0',
    pass: count === 0,
  });
  const runner = runnerInvariants(r, taken);
  const invariants: InvariantRow[] = [
    ...runner.rows,
    zero("no stale write: a task's stored fence went down (missing record = unknown)", stale.length),
    zero('no regression: an instance installed an older version than it had served', regressed.length),
    schema.row,
    {
      name: `convergence: every instance serves the final (valid) version and its data within interval + 1 s (${r.convergenceTarget} ms)`,
      value: `${converged}/${r.tasks} tasks`,
      target: `${r.tasks}/${r.tasks}`,
      pass: converged === r.tasks,
    },
    zero('no crash: an instance died other than by our SIGKILL', crashes.length),
    ...(r.store.hasServer ? [coldStartRow(r.injector.coldStarts)] : []),
    {
      name: 'takeovers (fault → first call by the new runner)',
      value: `${taken.length} (median ${ms(timed.median)}, max ${ms(timed.max)})`,
      target: 'info',
    },
  ];
  const details = [
    ...runner.details,
    ...first(stale, (s) => `stale write: ${s.tag} fence ${s.from} → ${s.to} at ${s.at}`),
    ...first(regressed, (g) => `regression: pid ${g.pid} ${g.tag} ${g.from} → ${g.to}`),
    ...schema.details,
    ...first(crashes, (c) => `crash: pid ${c.pid} (${c.phase}) ${c.how}\n${c.tail}`),
    ...convergence
      .filter((c) => !c.converged)
      .map(
        (c) =>
          `not converged: ${c.tag} → ${c.version} (${c.ms === undefined ? 'not every instance serves it, or its data' : ms(c.ms)})`,
      ),
    // Semantics 4 bounds a takeover by the lease TTL (+ one follower poll); slower ones are shown with the lease as the
    // store had it.
    ...taken
      .filter((t) => t.ms !== undefined && t.ms > r.leaseTtl + r.interval)
      .map(
        (t) =>
          `slow takeover after ${t.cause}: pid ${t.from} → ${t.to} in ${t.ms} ms; lease: ${leaseTimeline(r.monitor.samples, t.at - t.ms!, t.at)}`,
      ),
    ...taken
      .filter((t) => t.cause === 'none')
      .map((t) => `takeover without a fault: pid ${t.from} → ${t.to} at ${t.at}`),
    ...(r.recoveryMs === undefined
      ? ['no recovery (one leader, every instance up to date) within 30 s after the faults']
      : []),
    ...r.injector.coldStarts
      .filter((c) => !coldStartOk(c))
      .map(
        (c) =>
          `cold start: pid ${c.pid} expected ${JSON.stringify(c.expected)}, served in ${c.servedMs ?? '—'} ms, ` +
          `mismatched [${c.mismatched.join(', ')}], joined ${c.joinMs ?? 'NOT'} ms after the store returned`,
      ),
    ...r.injector.errors,
    ...(r.store.hasServer
      ? []
      : [
          'no server: restart-store, cut-connections and cold-start-outage do not apply; every kill is a cold start ' +
            '(a fresh process on the same file and backup directory replaces the dead one)',
        ]),
  ];
  return {
    backend: r.backend,
    seed: r.seed,
    seconds: r.seconds,
    settings: { instances: r.instances, tasks: r.tasks, interval: r.interval, leaseTtl: r.leaseTtl },
    store: r.store.description,
    faults: Object.fromEntries(faultKinds(r.store).map((kind) => [kind, r.injector.counts[kind]])),
    invariants,
    convergence,
    takeovers: taken,
    recoveryMs: r.recoveryMs,
    details: [
      ...details,
      `faults skipped: ${r.injector.skipped}; connections cut: ${r.injector.connectionsCut}; proxy connection resets: ${[...r.cluster.proxies.values()].reduce((n, p) => n + p.resets, 0)}`,
      ...runner.notes,
      `store probes: ${r.monitor.probes} (${r.monitor.failedProbes} unanswered); source calls: ${(r.calls.calls.length / 2) | 0}`,
    ],
    passed: invariants.every((row) => row.pass !== false),
  };
}

/** The run as Markdown: title, invariants, takeovers by cause, convergence per task, notes. */
export function markdown(result: ChaosResult): string {
  const { instances, tasks, interval, leaseTtl } = result.settings;
  const lines = [
    `## Chaos: ${result.backend} — ${result.passed ? 'PASS' : 'FAIL'}`,
    '',
    `${result.store}; ${instances} instances × ${tasks} tasks, interval ${interval} ms, lease TTL ${leaseTtl} ms; ${result.seconds} s of faults; seed ${result.seed}`,
    '',
    `Faults: ${Object.entries(result.faults)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(
        ', ',
      )}; recovery after the last fault: ${result.recoveryMs === undefined ? 'none within 30 s' : ms(result.recoveryMs)}`,
    '',
    '| invariant | value | target | result |',
    '| --- | --- | --- | --- |',
    ...result.invariants.map(
      (row) =>
        `| ${row.name} | ${row.value} | ${row.target} | ${row.pass === undefined ? 'info' : row.pass ? 'pass' : '**FAIL**'} |`,
    ),
    '',
    '| takeovers after | count | median | max |',
    '| --- | --- | --- | --- |',
  ];
  const causes = [...new Set(result.takeovers.map((t) => t.cause))].sort();
  for (const cause of causes) {
    const of = result.takeovers.filter((t) => t.cause === cause);
    const { median, max } = medianMax(of.flatMap((t) => (t.ms === undefined ? [] : [t.ms])));
    lines.push(`| ${cause} | ${of.length} | ${ms(median)} | ${ms(max)} |`);
  }
  lines.push(
    '',
    `Convergence per task: ${result.convergence.map((c) => `${c.tag} ${c.converged ? 'yes' : 'NO'} (${c.ms === undefined ? '—' : ms(c.ms)})`).join(', ')}`,
    '',
  );
  for (const detail of result.details) lines.push(`- ${detail.replaceAll('\n', '\n    ')}`);
  return `${lines.join('\n')}\n`;
}
