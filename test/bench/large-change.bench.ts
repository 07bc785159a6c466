/**
 * 8. Large changes: 1 MB and 10 MB JSON payloads through Redis to two followers, with the store's
 * compression off, gzip and brotli (each a cluster of its own, in the same run):
 *  - end-to-end propagation, from the leader's store.write call (encode and compression included) to the last
 *    follower's install (read, inflate, decode and deep-freeze included);
 *  - serializer decodes per version per process (a follower decodes each version exactly once; the leader has
 *    the data and should not decode at all);
 *  - bytes on the wire: the stored data field (HSTRLEN) times three, one write and one read per follower (the
 *    change event carries no data at these sizes). Counted from the record, not from Redis' network counters,
 *    which other clients of the server would blur.
 */
import { Redis } from 'ioredis';
import {
  type BenchOptions,
  type BenchResult,
  type BenchTarget,
  cell,
  ms,
  ratio,
  REDIS_URL,
  spread,
  type Spread,
} from './bench.util.js';
import { redisBackend, ReplicaCluster } from './replica.cluster.js';

const INTERVAL = 1_000;
const FOLLOWERS = 2;
const SIZES_MB = [1, 10] as const;
const SETTINGS = ['off', 'gzip', 'brotli'] as const;
/** The target for a 10 MB change, write → last follower, with compression on (#15; was 725 ms). */
const TARGET_10MB_MS = 400;

type Setting = (typeof SETTINGS)[number];

interface Row {
  setting: Setting;
  mb: number;
  e2e: Spread;
  write: Spread;
  follower: Spread;
  leader: Spread;
  /** Bytes of the stored data field of the last version. */
  stored: number;
}

async function measure(setting: Setting, quick: boolean, log: BenchOptions['log']): Promise<Row[]> {
  const backend = redisBackend();
  if (setting !== 'off') backend.env.COMPRESSION = setting;
  const cluster = new ReplicaCluster(backend, {
    INTERVAL_MS: String(INTERVAL),
    LEASE_TTL_MS: '10000',
    SYNC_NAME: 'large',
  });
  const redis = new Redis(REDIS_URL);
  const prefix = backend.env.KEY_PREFIX;
  const key = `${prefix}:{${prefix}:large}:record:p`;
  const perSize = quick ? 2 : 5;
  const rows: Row[] = [];
  try {
    await cluster.start(1 + FOLLOWERS);
    let version = 2;
    for (const mb of SIZES_MB) {
      log(`large-change: ${perSize} versions of ${mb} MB through Redis, compression ${setting}`);
      const versions: number[] = [];
      const e2e: number[] = [];
      const writes: number[] = [];
      for (let i = 0; i < perSize; i++, version++) {
        const p = await cluster.change(version, mb * 1_048_576, 60_000);
        versions.push(version);
        e2e.push(p.latency);
        writes.push(p.write);
      }
      const stats = await cluster.decodes();
      const count = (leader: boolean) =>
        stats.filter((s) => s.leader === leader).flatMap((s) => versions.map((v) => s.decodes.get(v) ?? 0));
      const stored = await redis.hstrlen(key, 'data');
      rows.push({
        setting,
        mb,
        e2e: spread(e2e),
        write: spread(writes),
        follower: spread(count(false)),
        leader: spread(count(true)),
        stored,
      });
    }
  } finally {
    redis.disconnect();
    await cluster.stop();
  }
  return rows;
}

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(2)} MiB`;

export async function largeChange({ quick, log }: BenchOptions): Promise<BenchResult> {
  const rows: Row[] = [];
  for (const setting of SETTINGS) rows.push(...(await measure(setting, quick, log)));
  const plain = (mb: number) => rows.find((r) => r.setting === 'off' && r.mb === mb)!;
  const targets: BenchTarget[] = [];
  for (const row of rows) {
    targets.push({
      what: `large change: decodes per version per follower, ${row.mb} MB, compression ${row.setting}`,
      target: 'exactly 1',
      measured: `${row.follower.min}–${row.follower.max}`,
      met: row.follower.min === 1 && row.follower.max === 1,
    });
    if (row.mb === 10 && row.setting !== 'off') {
      targets.push({
        what: `large change: 10 MB, write → last of ${FOLLOWERS} followers, ${row.setting} (median)`,
        target: `≤ ${TARGET_10MB_MS} ms`,
        measured: ms(row.e2e.median),
        met: row.e2e.median <= TARGET_10MB_MS,
        note: `${ratio(row.e2e.median, plain(10).e2e.median)} uncompressed; ${ratio(row.stored, plain(10).stored)} the bytes on the wire`,
      });
    }
  }
  return {
    tables: [
      {
        title:
          `Large changes through Redis, 1 leader + ${FOLLOWERS} followers, compression off / gzip / brotli (above 64 KiB), ` +
          `${quick ? '2 versions per size (quick; full run: 5)' : '5 versions per size'}; median (min–max)`,
        columns: [
          'payload',
          'compression',
          'end to end (write call → last follower installed)',
          'leader write call',
          'stored data',
          'data bytes on the wire per change (write + one read per follower)',
          'decodes per version, each follower',
          'decodes per version, leader',
        ],
        rows: rows.map((r) => [
          `${r.mb} MB`,
          r.setting,
          cell(r.e2e, ms),
          cell(r.write, ms),
          mib(r.stored),
          `${mib(r.stored * (1 + FOLLOWERS))} (${ratio(r.stored, plain(r.mb).stored)})`,
          cell(r.follower, String),
          cell(r.leader, String),
        ]),
      },
    ],
    targets,
    data: { interval: INTERVAL, followers: FOLLOWERS, rows },
  };
}
