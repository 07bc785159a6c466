/**
 * 3. Propagation: from the leader's snapshot write (the moment it calls
 * store.write, so the write's round trip counts) to the moment every
 * follower's getVersion returns the new version, over many changes, on Redis
 * and PostgreSQL: first with store notifications (pub/sub, LISTEN/NOTIFY),
 * then with them dropped, leaving the once-per-interval reconciliation.
 *
 * On Redis, the notification path runs twice in the same run: with the 1 KB
 * snapshot pushed in its change event (the default, followers install without
 * a read) and with `inlineMaxBytes: 0` (each follower reads the record).
 *
 * The first of those is measured beside its floor: a cluster of the same shape
 * running bare ioredis clients (test/bench/fixtures/pubsub.instance.ts: the
 * leader PUBLISHes a message of the same size, the followers report its
 * arrival), up at the same time and driven in turn with the library's, by
 * blocks of 20 changes, so both see the same load of this shared machine. What the floor
 * takes is loopback, Redis and the scheduling of 3 processes + Redis on 2
 * cores; the library's own share is what its row takes above the floor's.
 *
 * One leader and two followers (3 processes on this 2-core machine). Changes
 * are sequential, with a random pause between them so they land at random
 * phases of the followers' reconciliation timers (up to a whole interval on the
 * reconciliation path, where that phase is the latency). Warm-up changes are dropped.
 */
import { type BenchOptions, type BenchResult, latencies, type Latencies, ms, ratio, sleep } from './bench.util.js';
import {
  postgresBackend,
  type Propagation,
  type ReplicaBackend,
  redisBackend,
  ReplicaCluster,
} from './replica.cluster.js';

const INSTANCES = 3;
const INTERVAL = 250;
const BYTES = 1_024;

const FLOOR = 'floor: bare ioredis PUBLISH → 2 subscribers';

interface Row {
  backend: string;
  path: 'notifications, data inline' | 'notifications, then a read' | 'reconciliation only' | typeof FLOOR;
  latency: Latencies;
  write: Latencies;
}

/** Changes a cluster makes in a row before the next one takes its turn. */
const BLOCK = 20;

/**
 * `count` changes after `warmup` ones on each cluster, with a random pause of up to `pause` ms after each. Several
 * clusters take turns by blocks of `BLOCK` changes: each keeps its own pace within a block (a change's effects that
 * come later, such as heartbeats, land on its own next changes as they would alone), and all of them see the same
 * drifts of this shared machine's load. Per cluster: [latency, write call].
 */
async function run(
  clusters: ReplicaCluster[],
  first: number,
  count: number,
  warmup: number,
  pause: number,
  ms: number,
): Promise<Latencies[][]> {
  const results: Propagation[][] = clusters.map(() => []);
  const total = warmup + count;
  const block = clusters.length > 1 ? BLOCK : total;
  for (let start = 0; start < total; start += block) {
    for (const [c, cluster] of clusters.entries()) {
      for (let i = start; i < Math.min(total, start + block); i++) {
        const p = await cluster.change(first + i, BYTES, ms);
        if (i >= warmup) results[c].push(p);
        await sleep(Math.random() * pause);
      }
    }
  }
  return results.map((r) => [latencies(r.map((p) => p.latency)), latencies(r.map((p) => p.write))]);
}

/** The notification path alone, on a cluster whose stores send no data with their events. */
async function measureReads(backend: ReplicaBackend, quick: boolean, log: BenchOptions['log']): Promise<Row> {
  const changes = quick ? 40 : 200;
  backend.env.INLINE_MAX_BYTES = '0';
  const cluster = new ReplicaCluster(backend, {
    INTERVAL_MS: String(INTERVAL),
    LEASE_TTL_MS: '5000',
    SYNC_NAME: 'prop',
  });
  try {
    await cluster.start(INSTANCES);
    log(`propagation: ${backend.label}, ${changes} changes with notifications, inlineMaxBytes 0 (a read each)`);
    const [[latency, write]] = await run([cluster], 2, changes, 10, 40, 5_000);
    return { backend: backend.label, path: 'notifications, then a read', latency, write };
  } finally {
    await cluster.stop();
  }
}

/** The floor's cluster (Redis only: bare ioredis), started; stopped by the caller. */
async function startFloor(): Promise<ReplicaCluster> {
  const floor = new ReplicaCluster(redisBackend(), { INTERVAL_MS: String(INTERVAL) }, 'pubsub.instance');
  try {
    await floor.start(INSTANCES);
    return floor;
  } catch (error) {
    await floor.stop();
    throw error;
  }
}

async function measureBackend(backend: ReplicaBackend, quick: boolean, log: BenchOptions['log']): Promise<Row[]> {
  const changes = quick ? 40 : 200;
  const reconChanges = quick ? 10 : 200;
  const cluster = new ReplicaCluster(backend, {
    INTERVAL_MS: String(INTERVAL),
    LEASE_TTL_MS: '5000',
    SYNC_NAME: 'prop',
  });
  let floor: ReplicaCluster | undefined;
  try {
    await cluster.start(INSTANCES);
    if (backend.label === 'Redis') floor = await startFloor();
    const withFloor = floor ? ', in turn with the floor' : '';
    log(`propagation: ${backend.label}, ${changes} changes with notifications${withFloor}`);
    const [[latency, write], floorRun] = await run(floor ? [cluster, floor] : [cluster], 2, changes, 10, 40, 5_000);
    await floor?.stop();
    floor = undefined;
    await cluster.notify(false);
    log(`propagation: ${backend.label}, ${reconChanges} changes by reconciliation only`);
    // A change is seen at some follower's reconcile tick, so the next one would start just after it: pause up to a
    // whole interval, so changes land at uniformly random phases of the followers' timers.
    const [[reconLatency, reconWrite]] = await run([cluster], 100_000, reconChanges, 2, INTERVAL, INTERVAL * 4 + 5_000);
    return [
      ...(floorRun ? [{ backend: backend.label, path: FLOOR, latency: floorRun[0], write: floorRun[1] } as const] : []),
      { backend: backend.label, path: 'notifications, data inline', latency, write },
      { backend: backend.label, path: 'reconciliation only', latency: reconLatency, write: reconWrite },
    ];
  } finally {
    await floor?.stop();
    await cluster.stop();
  }
}

export async function propagation({ quick, log }: BenchOptions): Promise<BenchResult> {
  const rows = [
    ...(await measureBackend(redisBackend(), quick, log)),
    await measureReads(redisBackend(), quick, log),
    ...(await measureBackend(postgresBackend(), quick, log)),
  ];
  // Redis with the data inline: the target (#15); the read path keeps the previous bound, for comparison.
  const limit = (row: Row) =>
    row.path === 'reconciliation only' || row.path === FLOOR
      ? undefined
      : row.backend !== 'Redis'
        ? 20
        : row.path === 'notifications, data inline'
          ? 2
          : 5;
  const read = (backend: string) =>
    rows.find((row) => row.backend === backend && row.path === 'notifications, then a read');
  const floorOf = (backend: string) => rows.find((row) => row.backend === backend && row.path === FLOOR);
  /** Inline against the floor and the read path of the same backend and run. */
  const versusRead = (row: Row) => {
    const other = read(row.backend);
    if (row.path !== 'notifications, data inline' || !other) return undefined;
    const [p50, p99] = [ratio(row.latency.p50, other.latency.p50), ratio(row.latency.p99, other.latency.p99)];
    const floor = floorOf(row.backend);
    const above = floor
      ? `floor p50 ${ms(floor.latency.p50)} / p99 ${ms(floor.latency.p99)}, the library above it: ` +
        `p50 +${ms(row.latency.p50 - floor.latency.p50)}, p99 +${ms(row.latency.p99 - floor.latency.p99)}; `
      : '';
    return `${above}${p99} the p99 with a read (p50 ${p50})`;
  };
  const targets = rows.flatMap((row) => {
    const max = limit(row);
    if (max === undefined) return [];
    return [
      {
        what: `propagation: p99, ${row.backend}, ${row.path}`,
        target: `≤ ${max} ms`,
        measured: ms(row.latency.p99),
        met: row.latency.p99 <= max,
        note: versusRead(row),
      },
    ];
  });
  return {
    tables: [
      {
        title:
          `Propagation — leader's store.write call → every follower's getVersion returns it; 1 leader + ${INSTANCES - 1} followers, ` +
          `~${BYTES / 1_024} KB payload, ${INTERVAL} ms interval (reconciliation period), loopback${quick ? ' (quick: fewer changes)' : ''}`,
        columns: ['backend', 'path', 'changes', 'p50', 'p95', 'p99', 'max', 'write call p50 / p99'],
        rows: rows.map((r) => [
          r.backend,
          r.path,
          String(r.latency.n),
          ms(r.latency.p50),
          ms(r.latency.p95),
          ms(r.latency.p99),
          ms(r.latency.max),
          `${ms(r.write.p50)} / ${ms(r.write.p99)}`,
        ]),
      },
    ],
    targets,
    data: { interval: INTERVAL, bytes: BYTES, instances: INSTANCES, rows },
  };
}
