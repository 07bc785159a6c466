/**
 * 5. Scale: one leader with many no-op tasks (the version never changes), alone in a child
 * process (test/bench/fixtures/scale.instance.js): CPU as a share of one core
 * (process.cpuUsage over several windows: median, min, max), heap bytes per task (marginal,
 * after GC), bootstrap time and how many tasks were checked during the windows.
 * (a) 10,000 tasks at 1 s on the in-memory store (the module's own cost) and on Redis (plus the
 *     batched `touchMany` of each tick), with Redis's own CPU (INFO cpu over the same windows) on
 *     a redis-server of this benchmark alone, started on a free port, so no other load counts.
 * (b) 100,000 tasks at 10 s on the in-memory store, with windows of one interval each.
 * (c) 10,000 tasks at 1 s whose VERSION answers with a promise (what a method awaiting a query costs the
 *     module: a promise, a timeout timer and the end-of-term registration per call), in the table only.
 * "Before" is the last full run with a timer and a `touch` round trip per task (README
 * "Performance", issue #15): the per-task timers are gone, so they cannot run side by side.
 */
import { RedisServer } from '../support/redis.server.js';
import { Child, fixture } from './bench.child.js';
import { type BenchOptions, type BenchResult, type BenchTarget, cell, ms, percent, si, spread } from './bench.util.js';

interface Scenario {
  readonly backend: 'memory' | 'redis';
  readonly tasks: number;
  readonly interval: number;
  /** The CPU share this scenario had with per-task timers and touches, if it was measured. */
  readonly before?: number;
  /** VERSION answers with a promise (a method awaiting a query): in the table, no target of its own. */
  readonly async?: boolean;
}

const SCENARIOS = [
  { backend: 'memory', tasks: 10_000, interval: 1_000, before: 0.155 },
  { backend: 'redis', tasks: 10_000, interval: 1_000, before: 0.372 },
  { backend: 'memory', tasks: 100_000, interval: 10_000 },
  { backend: 'memory', tasks: 10_000, interval: 1_000, async: true },
] as const satisfies readonly Scenario[];

interface LeaderResult {
  checked: number;
  bootstrapMs: number;
  heapBase: number;
  heapLoaded: number;
  heapEnd: number;
  cpu: number[];
  serverCpu: number[];
  rates: number[];
  seconds: number;
}

async function leaderAtScale(s: (typeof SCENARIOS)[number], quick: boolean, redisUrl: string) {
  // Windows of at least one interval, so each holds every task's check once.
  const windowMs = Math.max(s.interval, quick ? 1_000 : 5_000);
  const env = {
    TASKS: String(s.tasks),
    INTERVAL_MS: String(s.interval),
    BACKEND: s.backend,
    REDIS_URL: redisUrl,
    KEY_PREFIX: 'vsync-bench-scale',
    WINDOWS: String(quick ? 2 : s.interval >= 10_000 ? 3 : 6),
    WINDOW_MS: String(windowMs),
    // Past the first unchanged check of every task (the bootstrap wrote them all).
    SETTLE_MS: String(s.interval >= 10_000 ? s.interval + 2_000 : s.interval * 3),
    ASYNC_VERSION: 'async' in s && s.async ? '1' : '0',
  };
  const child = new Child(fixture('scale.instance'), env, ['--expose-gc']);
  try {
    const result = await child.waitFor((m) => m.type === 'result', 300_000, 'the scale result');
    await child.exited;
    return result as unknown as LeaderResult;
  } finally {
    child.kill();
  }
}

export async function scale({ quick, log }: BenchOptions): Promise<BenchResult> {
  // Redis of this benchmark alone: its INFO cpu is then the leader's load only (and keys need no cleanup).
  const redis = await RedisServer.start();
  const leaders = [];
  try {
    for (const s of SCENARIOS) {
      const kind = 'async' in s && s.async ? 'async VERSION' : 'sync VERSION';
      log(`scale: one leader with ${s.tasks} tasks (${kind}) at ${s.interval} ms, ${s.backend} store`);
      const r = await leaderAtScale(s, quick, redis.url);
      leaders.push({
        ...s,
        ...r,
        cpuShare: spread(r.cpu),
        serverShare: spread(r.serverCpu),
        checksPerSecond: spread(r.rates),
        // µs of CPU per check, window by window.
        cpuPerCheck: spread(r.cpu.map((share, i) => (share * 1e6) / r.rates[i])),
        perTask: (r.heapLoaded - r.heapBase) / s.tasks,
        perTaskEnd: (r.heapEnd - r.heapBase) / s.tasks,
      });
    }
  } finally {
    await redis.dispose();
  }
  const targets: BenchTarget[] = [];
  for (const l of leaders) {
    if ('async' in l && l.async) continue; // reported in the table only
    const label = `${l.tasks.toLocaleString('en-US')} tasks at ${l.interval / 1_000} s, ${l.backend} store`;
    const expected = (l.tasks * 1_000) / l.interval;
    const before = 'before' in l ? ` (before: ${percent(l.before, 1)})` : '';
    const big = l.tasks >= 100_000;
    targets.push({
      what: `scale: CPU, ${label}${l.backend === 'redis' ? ', client side' : ''} (median)`,
      target: l.backend === 'redis' ? '≤ 10 % of a core' : '≤ 5 % of a core',
      measured: `${cell(l.cpuShare, (v) => percent(v))}${before}; ${l.cpuPerCheck.median.toFixed(1)} µs per check`,
      met: l.cpuShare.median <= (l.backend === 'redis' ? 0.1 : 0.05),
      note: [
        l.checksPerSecond.median < 0.95 * expected
          ? `${si(l.checksPerSecond.median)} checks/s of the ${si(expected)} the interval asks for: periods stretched`
          : undefined,
        l.backend === 'redis' ? `Redis server: ${cell(l.serverShare, (v) => percent(v))} of a core` : undefined,
      ]
        .filter(Boolean)
        .join('; '),
    });
    targets.push({
      what: `scale: heap per task, ${label}`,
      target: big ? '≤ 1.5 KB' : '≤ 2 KB',
      measured: `${Math.round(l.perTaskEnd)} B after ${Math.round(l.seconds)} s (${Math.round(l.perTask)} B when settled)`,
      // Judged at the end, the longest-running state; the settled figure still holds bootstrap leftovers.
      met: l.perTaskEnd <= (big ? 1_536 : 2_048),
      note: l.perTaskEnd > l.perTask * 1.1 ? 'still growing at the end: no steady state reached' : undefined,
    });
    if (big) {
      targets.push(
        {
          what: `scale: bootstrap (until every task has data), ${label}`,
          target: '≤ 5 s',
          measured: ms(l.bootstrapMs),
          met: l.bootstrapMs <= 5_000,
        },
        {
          what: `scale: tasks checked during the windows, ${label}`,
          target: 'every one',
          measured: `${l.checked.toLocaleString('en-US')} / ${l.tasks.toLocaleString('en-US')}`,
          met: l.checked === l.tasks,
        },
      );
    }
  }
  const windows = quick
    ? '2 windows (quick; full run: 6 of 5 s, 3 of 10 s at 100,000 tasks)'
    : '6 × 5 s (3 × 10 s at 100,000 tasks)';
  return {
    tables: [
      {
        title:
          `Scale — one leader, no-op tasks; checks/s and CPU share of one core over ${windows}, median (min–max); ` +
          `heap the module adds per task, after GC; Redis is a server of this benchmark alone`,
        columns: [
          'tasks',
          'store',
          'bootstrap',
          'tasks checked during the windows',
          'checks/s',
          'CPU (share of a core)',
          'CPU per check',
          'Redis server CPU',
          'heap per task, settled',
          'heap per task at the end',
        ],
        rows: leaders.map((l) => [
          `${l.tasks.toLocaleString('en-US')} at ${l.interval / 1_000} s${'async' in l && l.async ? ', async VERSION' : ''}`,
          l.backend === 'memory' ? 'MemorySyncStore (module cost only)' : 'RedisSyncStore (loopback)',
          ms(l.bootstrapMs),
          `${l.checked.toLocaleString('en-US')} / ${l.tasks.toLocaleString('en-US')}`,
          cell(l.checksPerSecond),
          cell(l.cpuShare, (v) => percent(v)),
          cell(l.cpuPerCheck, (v) => `${v.toFixed(1)} µs`),
          l.backend === 'redis' ? cell(l.serverShare, (v) => percent(v)) : '—',
          `${Math.round(l.perTask)} B`,
          `${Math.round(l.perTaskEnd)} B (${Math.round(l.seconds)} s after start)`,
        ]),
      },
    ],
    targets,
    data: { leaders },
  };
}
