/**
 * 2. Source load: how many VERSION and DATA calls the external source gets
 * from 3 instances × 20 tasks at a 500 ms interval while each task's version
 * changes 5 times, for this module (Redis backend, test/fixtures/instance.js)
 * and for the two ways without it (test/bench/fixtures/poll.instance.js):
 * DATA on every @Interval tick in every instance, and VERSION on every tick
 * with DATA on change, in every instance, without a leader.
 *
 * Every mode loads first, then the window opens; only calls that start inside
 * it count (the initial loads are the same for all and not what differs).
 * Each call is a line in the FileSource's calls.log, written by the process
 * that made it. "Several runs" here are the 20 tasks: per-task figures are
 * median (min–max) over them.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../support/cluster.js';
import { timeUntil } from '../support/wait-for.js';
import { FileSource, type SourceCall } from '../fixtures/file.source.js';
import { Child, fixture } from './bench.child.js';
import {
  type BenchOptions,
  type BenchResult,
  deleteRedisKeys,
  randomName,
  ratio,
  REDIS_URL,
  sleep,
  spread,
  type Spread,
} from './bench.util.js';

const INSTANCES = 3;
const TASKS = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
const INTERVAL = 500;
const CHANGES = 5;

/** A started mode: its source directory, and how to stop it and count takeovers. */
interface Running {
  dir: string;
  stop(): Promise<void>;
  /** Leaderships won within [from, to) (this module only). */
  takeovers?(from: number, to: number): number;
}

/** Atomic (rename) so a poller never reads a half-written version file. */
function setVersion(dir: string, tag: string, version: number): void {
  const tmp = join(dir, `.version-${tag}.tmp`);
  writeFileSync(tmp, String(version));
  renameSync(tmp, join(dir, `version-${tag}`));
}

async function startOurs(prefix: string): Promise<Running> {
  const env = {
    SYNC_REDIS_URL: REDIS_URL,
    SYNC_KEY_PREFIX: prefix,
    SYNC_INTERVAL_MS: String(INTERVAL),
    SYNC_LEASE_TTL_MS: '5000',
    SYNC_NAME: 'load',
  };
  const cluster = new Cluster(env, TASKS);
  try {
    const instances = await cluster.start(INSTANCES);
    await timeUntil(
      () => instances.every((i) => i.versions.size === TASKS.length),
      30_000,
      'every instance loaded every task',
    );
    await cluster.leader();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return {
    dir: cluster.dir,
    stop: () => cluster.stop(),
    takeovers: (from, to) =>
      cluster.instances
        .flatMap((i) => i.events)
        .filter((e) => e.type === 'leader' && e.leader && e.at >= from && e.at < to).length,
  };
}

async function startPolling(mode: 'naive' | 'version'): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'vsync-bench-load-'));
  for (const tag of TASKS) setVersion(dir, tag, 1);
  const env = { SOURCE_DIR: dir, TASKS: TASKS.join(','), INTERVAL_MS: String(INTERVAL), MODE: mode };
  const children = Array.from({ length: INSTANCES }, () => new Child(fixture('poll.instance'), env));
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(children.map((c) => c.waitFor((m) => m.type === 'ready', 30_000, 'ready')));
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, stop };
}

/** Runs one mode through the window: 5 version bumps per task, spread over it. */
async function measure(running: Running, windowMs: number) {
  await sleep(1_000); // let the first ticks after loading settle
  const from = Date.now();
  const bumps: NodeJS.Timeout[] = [];
  // Bumps go in the window but its last two intervals, so the last one is fetched inside it. In each fifth of
  // that span, the tasks bump one after another over its first half (never all in the same tick).
  const span = windowMs - 2 * INTERVAL;
  TASKS.forEach((tag, i) => {
    for (let k = 0; k < CHANGES; k++) {
      const at = ((k + 0.05) * span) / CHANGES + (i * span * 0.5) / CHANGES / TASKS.length;
      bumps.push(setTimeout(() => setVersion(running.dir, tag, 2 + k), at));
    }
  });
  await sleep(windowMs);
  const to = Date.now();
  bumps.forEach(clearTimeout);
  const calls = new FileSource(running.dir).calls().filter((c) => c.phase === 'start' && c.at >= from && c.at < to);
  const takeovers = running.takeovers?.(from, to) ?? 0;
  await running.stop();
  return { calls, takeovers, windowMs: to - from };
}

function perTask(calls: SourceCall[], action: string): number[] {
  return TASKS.map((tag) => calls.filter((c) => c.tag === tag && c.action === action).length);
}

/**
 * Calls of `action` per interval for each task, from the mean gap between one
 * process's consecutive calls (counting calls in a short window is off by up
 * to one tick in 12, depending on phase). Processes that poll side by side add
 * up; with a leader, each process is weighted by its share of the calls (one runs at a time).
 */
function rate(calls: SourceCall[], action: string, concurrent: boolean): number[] {
  return TASKS.map((tag) => {
    const mine = calls.filter((c) => c.tag === tag && c.action === action);
    const byPid = new Map<number, SourceCall[]>();
    for (const call of mine) byPid.set(call.pid, [...(byPid.get(call.pid) ?? []), call]);
    let rate = 0;
    for (const own of byPid.values()) {
      if (own.length < 2) continue;
      const gap = (own.at(-1)!.at - own[0].at) / (own.length - 1);
      rate += (INTERVAL / gap) * (concurrent ? 1 : own.length / mine.length);
    }
    return rate;
  });
}

export async function sourceLoad({ quick, log }: BenchOptions): Promise<BenchResult> {
  const windowMs = quick ? 6_000 : 30_000;
  const prefix = randomName('prefix');
  const modes = [
    { name: 'this module (leader, version-gated; Redis)', concurrent: false, start: () => startOurs(prefix) },
    { name: 'naive: DATA on `@Interval` in every instance', concurrent: true, start: () => startPolling('naive') },
    {
      name: 'VERSION on `@Interval` in every instance, DATA on change, no leader',
      concurrent: true,
      start: () => startPolling('version'),
    },
  ];
  const measured = [];
  try {
    for (const mode of modes) {
      log(`source-load: ${mode.name}, ${INSTANCES} instances × ${TASKS.length} tasks × ${windowMs / 1_000} s`);
      const result = await measure(await mode.start(), windowMs);
      const versions = perTask(result.calls, 'version');
      const rates = rate(result.calls, 'version', mode.concurrent);
      const dataRates = rate(result.calls, 'data', mode.concurrent);
      const datas = perTask(result.calls, 'data');
      measured.push({ ...mode, ...result, versions, datas, rates, dataRates });
    }
  } finally {
    await deleteRedisKeys(prefix);
  }
  const intervals = windowMs / INTERVAL;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const [ours, naive] = measured;
  const oursData = sum(ours.datas);
  const rows = measured.map((m) => {
    const perInterval: Spread = spread(m.rates);
    const data = spread(m.datas);
    return [
      m.name,
      String(sum(m.versions)),
      String(sum(m.datas)),
      `${perInterval.median.toFixed(3)} (${perInterval.min.toFixed(3)}–${perInterval.max.toFixed(3)})`,
      `${data.median} (${data.min}–${data.max})`,
      ratio(sum(m.datas), oursData),
      ratio(sum(m.datas) + sum(m.versions), oursData + sum(ours.versions)),
    ];
  });
  const oursPerInterval = spread(ours.rates).median;
  const allowedData = TASKS.length * (CHANGES + ours.takeovers);
  const expectedRatio = (INSTANCES * intervals) / CHANGES;
  const naiveRatio = sum(naive.datas) / oursData;
  // The same ratio without the window's edge effect: naive's DATA rate (from the gaps) times the window's intervals.
  const naiveSteadyRatio = (sum(naive.dataRates) * (naive.windowMs / INTERVAL)) / oursData;
  return {
    tables: [
      {
        title:
          `Source load — calls at the source in a ${windowMs / 1_000} s window${quick ? ' (quick; full run: 30 s)' : ''}: ` +
          `${INSTANCES} instances × ${TASKS.length} tasks, ${INTERVAL} ms interval, ${CHANGES} version changes per task; ` +
          `per-task figures are median (min–max) over the ${TASKS.length} tasks (VERSION per interval from the mean gap between calls); this module had ${ours.takeovers} takeover(s) in the window`,
        columns: [
          'mode',
          'VERSION calls',
          'DATA calls',
          'VERSION per task per interval (all instances)',
          'DATA per task',
          'DATA ÷ ours',
          'all calls ÷ ours',
        ],
        rows,
      },
    ],
    targets: [
      {
        what: 'source load: VERSION calls per task per interval (this module)',
        target: '1 ± 5 %',
        measured: `${oursPerInterval.toFixed(3)} (median over tasks; ${(sum(ours.versions) / TASKS.length / (ours.windowMs / INTERVAL)).toFixed(3)} by count in the window)`,
        met: Math.abs(oursPerInterval - 1) <= 0.05,
        note: 'fixed delay: each period is the interval plus the check itself (VERSION + one store round trip)',
      },
      {
        what: 'source load: DATA calls (this module)',
        target: `≤ ${TASKS.length} tasks × (${CHANGES} changes + ${ours.takeovers} takeovers) = ${allowedData}`,
        measured: String(oursData),
        met: oursData <= allowedData && oursData >= TASKS.length * CHANGES,
      },
      {
        what: 'source load: naive ÷ ours on DATA calls',
        target: `≥ ${INSTANCES} × ${intervals} ÷ ${CHANGES} = ${expectedRatio}`,
        measured: `${ratio(naiveSteadyRatio, 1)} from naive's call rate; ${ratio(naiveRatio, 1)} by count in the window`,
        met: naiveSteadyRatio >= expectedRatio * 0.99,
        note: `naive made ${(sum(naive.datas) / TASKS.length / INSTANCES).toFixed(1)} DATA calls per task per instance in the ${intervals} intervals of the window; verdict on the rate (1 % tolerance for timer drift)`,
      },
    ],
    data: Object.fromEntries(
      measured.map((m) => [
        m.name,
        {
          windowMs: m.windowMs,
          takeovers: m.takeovers,
          versionPerTask: m.versions,
          versionPerInterval: m.rates,
          dataPerTask: m.datas,
          dataPerInterval: m.dataRates,
        },
      ]),
    ),
  };
}
