// Redis Sentinel failover under three real instances (child processes) whose store and lock use a
// Sentinel-backed ioredis client, while the source's version changes every 50 ms. Each setting
// starts its own master, replica(s) and three sentinels, forces a `SENTINEL FAILOVER`, then
// SIGKILLs the new master; after each it checks one runner, no regression, convergence and
// health, and prints the takeover time, whether the leader kept its lease and how many acknowledged
// writes the failover lost (a probe writing every 10 ms through its own Sentinel-backed client).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisNamespaceKeys } from '../../lib/backends/redis/redis-keys.js';
import { Cluster, type Instance } from '../support/cluster.js';
import { overlaps } from '../support/multi-process.scenarios.js';
import { SentinelCluster, type SentinelClusterOptions } from '../support/sentinel.cluster.js';
import { redisServerSkip } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import { testPrefix } from './redis-test.util.js';

const skip = await redisServerSkip();
const INTERVAL = 100;
const LEASE_TTL = 2_000;
/** A sentinel starts no second failover of a master within 2 × failover-timeout (2 s) of the last one. */
const FAILOVER_COOLDOWN = 4_500;

/**
 * Writes are lost when the old master keeps accepting them after the promotion: until the sentinels
 * demote it (about 10 s), or until its other replicas are moved to the new master (about 1 s) when
 * `min-replicas-to-write` is below their count. The promoted master's revisions then went back (or,
 * after the next failover to the demoted master that kept other writes, forked); the replicator
 * keeps what followers serve over the older records it finds, and follows the leader's next writes
 * at once (lib/engine/replicator.ts), so the no-regression and takeover checks hold in every setting.
 */
const SETTINGS: { label: string; options: SentinelClusterOptions }[] = [
  {
    label: 'asynchronous replication (the default), one replica',
    options: {},
  },
  {
    label: 'min-replicas-to-write 1 of one replica, min-replicas-max-lag 1, diskless sync delay 0, failoverDetector',
    options: {
      config: { 'min-replicas-to-write': '1', 'min-replicas-max-lag': '1', 'repl-diskless-sync-delay': '0' },
      failoverDetector: true,
    },
  },
  {
    label: 'the same with two replicas (min-replicas-to-write 1 of two)',
    options: {
      replicas: 2,
      config: { 'min-replicas-to-write': '1', 'min-replicas-max-lag': '1', 'repl-diskless-sync-delay': '0' },
      failoverDetector: true,
    },
  },
];

type Health = { sync: { status: string; reason?: string } };

const served = (i: Instance) => i.versions.get('t') ?? 0;

describe('Redis Sentinel failover under three instances (multi-process)', { skip, timeout: 400_000 }, () => {
  const redises: SentinelCluster[] = [];
  const clusters: Cluster[] = [];
  after(async () => {
    await Promise.all(clusters.map((c) => c.stop()));
    await Promise.all(redises.map((r) => r.dispose()));
  });

  for (const { label, options } of SETTINGS) {
    it(label, async (t) => {
      const redis = await SentinelCluster.start(options);
      redises.push(redis);
      const keyPrefix = testPrefix();
      const name = `sentinel-${randomUUID().slice(0, 8)}`;
      const record = new RedisNamespaceKeys(keyPrefix, name).record('t');
      const cluster = new Cluster({
        SYNC_REDIS_SENTINELS: redis.addresses,
        SYNC_REDIS_SENTINEL_DETECT: options.failoverDetector ? '1' : '0',
        SYNC_KEY_PREFIX: keyPrefix,
        SYNC_NAME: name,
        SYNC_INTERVAL_MS: String(INTERVAL),
        SYNC_LEASE_TTL_MS: String(LEASE_TTL),
      });
      clusters.push(cluster);
      await cluster.start(3);
      await cluster.leader();
      const start = Date.now();
      let version = 1;
      const changer = setInterval(() => cluster.source.setVersion('t', ++version), 50);
      try {
        let lastFailover = 0;
        let checked = Date.now();
        for (const fault of ['SENTINEL FAILOVER', 'SIGKILL of the master'] as const) {
          await sleep(Math.max(0, lastFailover + FAILOVER_COOLDOWN - Date.now()));
          lastFailover = Date.now();
          t.diagnostic(`${fault} at +${lastFailover - start} ms`);
          const run = { t, redis, cluster, record, version: () => version, since: checked };
          await failOver(fault, run);
          checked = Date.now();
        }
      } finally {
        clearInterval(changer);
      }
      await t.test('no instance ever served an older version than it had served', () => {
        for (const instance of cluster.instances)
          assert.deepEqual(stepsBack(instance, start), [], `${instance.pid} went back`);
      });
      await waitFor(() => cluster.live().every((i) => served(i) === version), 10_000, `every instance at ${version}`);
      const health = async (i: Instance) =>
        ((await (await fetch(`http://127.0.0.1:${i.port}/health`)).json()) as Health).sync;
      await waitFor(
        async () => (await Promise.all(cluster.live().map(health))).every((h) => h.status === 'up'),
        10_000,
        'health up on every instance',
        { every: 100 },
      );
    });
  }
});

/** Each time `instance` installed an older version than the one before, when (ms after `start`) and in which role. */
function stepsBack(instance: Instance, start: number): string[] {
  let leader = false;
  let last: { version: number; at: number } | undefined;
  const back: string[] = [];
  for (const event of instance.events) {
    if (event.type === 'leader') leader = event.leader;
    if (event.type !== 'change' || event.tag !== 't') continue;
    if (last && event.version < last.version) {
      back.push(
        `${last.version} (+${last.at - start} ms) -> ${event.version} (+${event.at - start} ms, ${leader ? 'leader' : 'follower'})`,
      );
    }
    last = event;
  }
  return back;
}

/** What a failover needs to know of the run. */
interface Run {
  t: TestContext;
  redis: SentinelCluster;
  cluster: Cluster;
  /** The record hash of task `t`, to read on the promoted master. */
  record: string;
  version: () => number;
  /** Acknowledged writes before this are counted by the previous failover. */
  since: number;
}

/** One failover while versions change; asserts one runner once it settled, prints what it cost. */
async function failOver(fault: 'SENTINEL FAILOVER' | 'SIGKILL of the master', run: Run): Promise<void> {
  const { t, redis, cluster } = run;
  const old = await redis.master();
  const leader = await cluster.leader();
  const logStart = cluster.instances.map((i) => i.output.length);
  const start = Date.now();
  if (fault === 'SENTINEL FAILOVER') await redis.failover();
  else await old.stop();
  const promoted = await redis.switched(old);
  const switchedAt = Date.now();
  const after = run.version();
  // The old master stays one until the sentinels turn it into a replica; a killed one comes back
  // empty, as a replica (what an operator or a supervisor would do).
  // Settled at once (a number or the error), so a failure while the takeover is awaited is not unhandled.
  const demoted = (fault === 'SENTINEL FAILOVER' ? redis.demoted(old) : redis.rejoin(old)).then(
    () => Date.now(),
    (error: unknown) => error,
  );
  // Taken over: the promoted master holds a version the source set after the promotion, and every instance serves it.
  const stored = await waitFor(
    async () => Number((await promoted.control.hget(run.record, 'version').catch(() => null)) ?? 0) > after,
    30_000,
    `the promoted master to hold a version past ${after}`,
    { every: 10 },
  ).then(async () => Number(await promoted.control.hget(run.record, 'version')));
  const written = Date.now() - start;
  // Every instance follows the new writes at once, even where writes were lost (revisions went back).
  await waitFor(() => cluster.live().every((i) => served(i) >= stored), 10_000, `every instance at ${stored}`);
  const takeover = Date.now() - start;
  // How soon Redis puts the old master back as a replica is Redis's (a full resync waits out
  // repl-diskless-sync-delay, and a sentinel's reconfiguration can restart it): reported, not asserted.
  const demotedAt = await demoted;
  const lost = await redis.lostWrites(run.since);

  // Once a lease TTL has passed, exactly one process leads and calls the source.
  await sleep(LEASE_TTL);
  const from = Date.now();
  await sleep(1_000);
  const calls = cluster.source.calls().filter((c) => c.at >= from);
  const callers = new Set(calls.map((c) => c.pid));
  assert.equal(callers.size, 1, `one runner after the ${fault}; calls by ${[...callers].join(', ')}`);
  assert.equal(overlaps(calls), 0);
  const now = await cluster.leader();
  assert.ok(callers.has(now.pid));

  const logs = cluster.instances.map((i, n) => i.output.slice(logStart[n]));
  const losses = logs.flatMap((log) => log.match(/Lost the lease[^\n]*?: ([^.]*)/g) ?? []);
  const refused = logs.reduce((sum, log) => sum + (log.match(/NOREPLICAS/g)?.length ?? 0), 0);
  const kept = leader.pid === now.pid && losses.length === 0;
  t.diagnostic(
    `${fault}: promoted after ${switchedAt - start} ms; the promoted master held a new write after ${written} ms, ` +
      `every instance served it after ${takeover} ms; the old master ` +
      (typeof demotedAt === 'number'
        ? `${fault === 'SENTINEL FAILOVER' ? 'was demoted' : 'was back as a replica'} ${demotedAt - start} ms after the fault; `
        : `was not back in sync yet (${demotedAt instanceof Error ? demotedAt.message : String(demotedAt)}); `) +
      `leader ${kept ? 'kept its lease' : `${leader.pid} -> ${now.pid}`}; acknowledged writes lost: ${lost.count}` +
      (lost.count ? ` (acknowledged ${lost.first! - start}..${lost.last! - start} ms after the fault)` : '') +
      `; NOREPLICAS errors logged: ${refused}` +
      (losses.length ? `; ${losses.map((l) => l.replace(/^.*?: /, 'lease lost: ')).join('; ')}` : ''),
  );
}
