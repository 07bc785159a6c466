/**
 * 4. Takeover: how long the namespace goes without a running leader when the
 * leader dies (SIGKILL) and when it shuts down cleanly (app.close()), on Redis
 * and PostgreSQL, with test/fixtures/instance.js (one task) through
 * test/support/cluster.ts.
 *
 * Measured from the moment the parent sends the signal (or the close message)
 * to the end of the next leader's first VERSION call, as that process wrote it
 * in the source's calls.log: the first check of the new leader. Kills and
 * closes alternate, and each trial waits a random 0.3–1 s first so the event
 * lands at a random phase of the lease renewals and of the followers' polls.
 */
import { Cluster, type Instance } from '../support/cluster.js';
import { timeUntil } from '../support/wait-for.js';
import {
  type BenchOptions,
  type BenchResult,
  deleteRedisKeys,
  dropSchema,
  latencies,
  ms,
  POSTGRES_URL,
  randomName,
  REDIS_URL,
  sleep,
} from './bench.util.js';

const INTERVAL = 500;
const LEASE_TTL = 2_000;

type Kind = 'SIGKILL' | 'app.close()';

/** One backend's trials: `perKind` kills and as many closes, alternating. */
async function trials(env: Record<string, string>, perKind: number, quick: boolean, log: BenchOptions['log']) {
  const cluster = new Cluster(
    { ...env, SYNC_INTERVAL_MS: String(INTERVAL), SYNC_LEASE_TTL_MS: String(LEASE_TTL), SYNC_NAME: 'takeover' },
    ['t'],
  );
  const results: Record<Kind, number[]> = { SIGKILL: [], 'app.close()': [] };
  try {
    // Quick: start every instance the trials will use at once; full: keep 3 live, replacing each one that went.
    await cluster.start(quick ? 2 * perKind + 1 : 3);
    for (let trial = 0; trial < 2 * perKind; trial++) {
      const kind: Kind = trial % 2 === 0 ? 'SIGKILL' : 'app.close()';
      if (!quick && cluster.live().length < 3) await cluster.start(3 - cluster.live().length);
      const leader: Instance = await cluster.leader(LEASE_TTL * 3 + 10_000);
      await sleep(300 + Math.random() * 700);
      const from = Date.now();
      if (kind === 'SIGKILL') leader.child.kill('SIGKILL');
      else leader.child.send({ type: 'close' });
      let first: number | undefined;
      await timeUntil(
        () => {
          const call = cluster.source
            .calls()
            .find((c) => c.at >= from && c.pid !== leader.pid && c.action === 'version' && c.phase === 'end');
          first = call?.at;
          return first !== undefined;
        },
        LEASE_TTL * 3 + 10_000,
        `a check by the next leader after ${kind}`,
      );
      results[kind].push(first! - from);
      log(`takeover: trial ${trial + 1}/${2 * perKind}, ${kind}: ${first! - from} ms`);
      // A clean close ends the process by itself; never let one that hangs stall the suite.
      if ((await Promise.race([leader.exited.then(() => true), sleep(10_000).then(() => false)])) === false)
        leader.child.kill('SIGKILL');
      await leader.exited;
    }
    return results;
  } finally {
    await cluster.stop();
  }
}

export async function takeover({ quick, log }: BenchOptions): Promise<BenchResult> {
  const perKind = quick ? 2 : 20;
  const prefix = randomName('prefix');
  const schema = randomName('schema');
  const backends: { label: string; env: Record<string, string>; cleanup: () => Promise<void> }[] = [
    {
      label: 'Redis',
      env: { SYNC_REDIS_URL: REDIS_URL, SYNC_KEY_PREFIX: prefix },
      cleanup: () => deleteRedisKeys(prefix),
    },
    {
      label: 'PostgreSQL',
      env: { SYNC_POSTGRES_URL: POSTGRES_URL, SYNC_PG_SCHEMA: schema },
      cleanup: () => dropSchema(schema),
    },
  ];
  const rows = [];
  for (const backend of backends) {
    log(`takeover: ${backend.label}, ${perKind} × SIGKILL and ${perKind} × app.close()`);
    try {
      const results = await trials(backend.env, perKind, quick, log);
      for (const kind of ['SIGKILL', 'app.close()'] as const) {
        const bound = kind === 'SIGKILL' ? LEASE_TTL + INTERVAL : INTERVAL + 100;
        rows.push({ backend: backend.label, kind, bound, stats: latencies(results[kind]) });
      }
    } finally {
      await backend.cleanup();
    }
  }
  return {
    tables: [
      {
        title:
          `Takeover — leader event → end of the next leader's first VERSION call; lease TTL ${LEASE_TTL} ms, interval ${INTERVAL} ms, ` +
          `${perKind} trials per row${quick ? ' (quick; full run: 20)' : ''}`,
        columns: ['backend', 'event', 'trials', 'lease TTL', 'p50', 'p99', 'min', 'max', 'bound (target)'],
        rows: rows.map((r) => [
          r.backend,
          r.kind,
          String(r.stats.n),
          ms(LEASE_TTL),
          ms(r.stats.p50),
          ms(r.stats.p99),
          ms(r.stats.min),
          ms(r.stats.max),
          `${ms(r.bound)} (${r.kind === 'SIGKILL' ? 'TTL + interval' : 'interval + 100 ms'})`,
        ]),
      },
    ],
    targets: rows.map((r) => ({
      what: `takeover: ${r.kind}, ${r.backend} (max of ${r.stats.n})`,
      target: `≤ ${ms(r.bound)}`,
      measured: ms(r.stats.max),
      met: r.stats.max <= r.bound,
    })),
    data: { interval: INTERVAL, leaseTtl: LEASE_TTL, rows },
  };
}
