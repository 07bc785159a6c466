import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SourceCall } from '../fixtures/file.source.js';
import { Cluster, type Instance } from './cluster.js';
import { timeUntil } from './wait-for.js';

/** Settings of the multi-process scenarios. */
export interface MultiProcessOptions {
  /** Backend env for the instances (e.g. SYNC_REDIS_URL + SYNC_KEY_PREFIX). */
  env: Record<string, string>;
  /** ms; default 200. */
  interval?: number;
  /** ms; default 1000. */
  leaseTtl?: number;
  /** Skip reason, as node:test takes it. */
  skip?: string | false;
  /** Runs before the suite; may return env to add (e.g. the addresses of a cluster it started). */
  setup?: () => Promise<Record<string, string>>;
  /** Runs after the suite (drop keys, schema...). */
  cleanup?: () => Promise<void>;
  /** Which scenarios to run (default all). */
  only?: readonly MultiProcessScenario[];
}

/** The scenarios of `describeMultiProcess`. */
export type MultiProcessScenario = 'propagation' | 'kill' | 'close' | 'refresh' | 'fence';

/** Pairs each call's start with its end, per process. */
function spans(calls: SourceCall[]): { pid: number; start: number; end: number }[] {
  const open = new Map<string, number>();
  const result: { pid: number; start: number; end: number }[] = [];
  for (const call of calls) {
    const key = `${call.pid} ${call.tag} ${call.action}`;
    if (call.phase === 'start') open.set(key, call.at);
    else if (open.has(key)) {
      result.push({ pid: call.pid, start: open.get(key)!, end: call.at });
      open.delete(key);
    }
  }
  return result.sort((a, b) => a.start - b.start);
}

/** Calls of two different processes that overlapped in time (the "at most one runner" invariant). */
export function overlaps(calls: SourceCall[]): number {
  const sorted = spans(calls);
  let count = 0;
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].start < sorted[i].end; j++) {
      if (sorted[j].pid !== sorted[i].pid) count++;
    }
  }
  return count;
}

const firstCallBy = (calls: SourceCall[], after: number, notPid: number) =>
  calls.find((c) => c.at >= after && c.pid !== notPid && c.phase === 'start');

/**
 * The multi-process scenarios every distributed backend must pass, with real
 * child processes (test/fixtures/instance.ts): one runner at a time, propagation
 * within one interval, one DATA per change, takeover after SIGKILL and after
 * app.close(), and a SIGSTOPped ex-leader that ends its term by its own clock and writes nothing.
 */
export function describeMultiProcess(label: string, options: MultiProcessOptions): void {
  const interval = options.interval ?? 200;
  const leaseTtl = options.leaseTtl ?? 1_000;
  const margin = 150;
  const clusters: Cluster[] = [];
  let setupEnv: Record<string, string> = {};
  // Scenarios left out by `only` are not registered at all (they are run by another suite).
  const scenario = (name: MultiProcessScenario): typeof it =>
    options.only && !options.only.includes(name) ? ((() => undefined) as unknown as typeof it) : it;
  const cluster = (extra: Record<string, string> = {}) => {
    const created = new Cluster({
      ...options.env,
      ...setupEnv,
      SYNC_NAME: `mp-${randomUUID().slice(0, 8)}`,
      SYNC_INTERVAL_MS: String(interval),
      SYNC_LEASE_TTL_MS: String(leaseTtl),
      ...extra,
    });
    clusters.push(created);
    return created;
  };
  const allServe = (c: Cluster, version: number) => c.live().every((i) => i.versions.get('t') === version);

  describe(
    `multi-process (${label}): 3 instances, interval ${interval} ms, lease TTL ${leaseTtl} ms`,
    { skip: options.skip, timeout: 120_000 },
    () => {
      before(async () => {
        setupEnv = (await options.setup?.()) ?? {};
      });
      after(async () => {
        await Promise.all(clusters.map((c) => c.stop()));
        await options.cleanup?.();
      });

      scenario('propagation')(
        'runs callbacks in one process at a time, DATA once per change, every instance serves it within one interval',
        async (t) => {
          const c = cluster();
          await c.start(3);
          const leader = await c.leader();
          await timeUntil(() => allServe(c, 1), 5_000, 'every instance at version 1');
          const delays: number[] = [];
          for (const version of [2, 3, 4]) {
            const changedAt = Date.now();
            c.source.setVersion('t', version);
            delays.push(await timeUntil(() => allServe(c, version), interval + margin, `every instance at ${version}`));
            const leaderWrite = leader.events.find((e) => e.type === 'change' && e.version === version)!.at;
            const spread =
              Math.max(...c.live().map((i) => i.events.find((e) => e.type === 'change' && e.version === version)!.at)) -
              leaderWrite;
            t.diagnostic(
              `version ${version}: all instances after ${Date.now() - changedAt} ms; leader write → last follower ${spread} ms`,
            );
          }
          for (const instance of c.live())
            assert.deepEqual((await instance.state()).versions, { t: 4 }, `instance ${instance.pid} over HTTP`);
          const calls = c.source.calls();
          assert.deepEqual(
            new Set(calls.map((call) => call.pid)),
            new Set([leader.pid]),
            'only the leader called the source',
          );
          assert.equal(overlaps(calls), 0);
          const dataStarts = calls
            .filter((call) => call.action === 'data' && call.phase === 'start')
            .map((call) => call.version);
          assert.deepEqual(dataStarts, [1, 2, 3, 4], 'one DATA per version, not one per instance');
        },
      );

      scenario('kill')(
        'SIGKILL of the leader: another process takes over within lease TTL + one interval',
        async (t) => {
          const c = cluster();
          await c.start(3);
          const leader = await c.leader();
          await timeUntil(() => allServe(c, 1), 5_000, 'every instance at version 1');
          const killedAt = Date.now();
          leader.child.kill('SIGKILL');
          await leader.exited;
          await timeUntil(
            () => firstCallBy(c.source.calls(), killedAt, leader.pid) !== undefined,
            leaseTtl + interval + 2_000,
            'a new runner',
          );
          const takeover = firstCallBy(c.source.calls(), killedAt, leader.pid)!.at - killedAt;
          t.diagnostic(`takeover after SIGKILL: ${takeover} ms (lease TTL ${leaseTtl} ms, interval ${interval} ms)`);
          assert.ok(takeover <= leaseTtl + interval, `takeover took ${takeover} ms`);
          c.source.setVersion('t', 2);
          await timeUntil(() => allServe(c, 2), interval + margin, 'survivors at version 2');
          const calls = c.source.calls();
          assert.equal(overlaps(calls), 0);
          assert.deepEqual(
            calls.filter((x) => x.action === 'data' && x.phase === 'start').map((x) => x.version),
            [1, 2],
            'no refetch at takeover',
          );
        },
      );

      scenario('close')('app.close() of the leader: another process takes over within one interval', async (t) => {
        const c = cluster();
        await c.start(3);
        const leader = await c.leader();
        await timeUntil(() => allServe(c, 1), 5_000, 'every instance at version 1');
        const closingAt = Date.now();
        await leader.close();
        assert.equal(await leader.exited, 0, `a clean exit:\n${leader.output}`);
        await timeUntil(
          () => firstCallBy(c.source.calls(), closingAt, leader.pid) !== undefined,
          interval + 2_000,
          'a new runner',
        );
        const takeover = firstCallBy(c.source.calls(), closingAt, leader.pid)!.at - closingAt;
        t.diagnostic(`takeover after app.close(): ${takeover} ms (interval ${interval} ms)`);
        assert.ok(takeover <= interval, `takeover took ${takeover} ms`);
        assert.equal(overlaps(c.source.calls()), 0);
      });

      scenario('refresh')(
        'refresh() on a follower is forwarded to the leader and resolves with the new version',
        async () => {
          const c = cluster({ SYNC_INTERVAL_MS: '60000' });
          await c.start(3);
          const leader = await c.leader();
          await timeUntil(() => allServe(c, 1), 5_000, 'every instance at version 1');
          c.source.setVersion('t', 2);
          const follower = c.live().find((i) => i !== leader)!;
          const answer = await follower.refresh('t');
          assert.deepEqual(answer, { pid: follower.pid, leader: false, version: 2 });
          await timeUntil(() => allServe(c, 2), 1_000, 'every instance at version 2');
          assert.deepEqual(
            new Set(c.source.calls().map((x) => x.pid)),
            new Set([leader.pid]),
            'the leader ran the check',
          );
        },
      );

      scenario('fence')(
        'a SIGSTOPped leader resumed after a takeover ends its term by its own clock and writes nothing',
        async (t) => {
          const c = cluster({ DATA_DELAY_MS: '300' });
          await c.start(3);
          const leader = await c.leader();
          await timeUntil(() => allServe(c, 1), 5_000, 'every instance at version 1');
          const stoppedAt = Date.now();
          c.source.setVersion('t', 2);
          await timeUntil(
            () => c.source.calls().some((x) => x.pid === leader.pid && x.action === 'data' && x.version === 2),
            2_000,
            'the leader fetching DATA',
          );
          leader.child.kill('SIGSTOP');
          const others = () => c.live().filter((i) => i !== leader);
          await timeUntil(() => others().some((i) => i.leader), leaseTtl + interval + 2_000, 'a new leader');
          c.source.setVersion('t', 3);
          await timeUntil(() => others().every((i) => i.versions.get('t') === 3), 5_000, 'the others at version 3');
          const resumedAt = Date.now();
          leader.child.kill('SIGCONT');
          // The DATA call it was paused in resolves on resume; the lease ran out by the monotonic clock
          // meanwhile, so the term ends before the write (task.checker re-checks it) — nothing reaches the
          // store, not even a write for the fence to refuse.
          await timeUntil(
            () => /Lost the lease/.test(leader.output),
            5_000,
            `the ex-leader to end its term by its own clock:\n${leader.output}`,
          );
          await timeUntil(() => leader.versions.get('t') === 3, 5_000, 'the ex-leader catching up');
          await sleep(interval * 2);
          t.diagnostic(
            `paused ${resumedAt - stoppedAt} ms; ex-leader log: ${leader.output.match(/Lost the lease[^\n]*/)?.[0]}`,
          );
          assert.doesNotMatch(leader.output, /refused a write/, 'the ex-leader sent no late write');
          assert.deepEqual(
            c.source.calls().filter((x) => x.pid === leader.pid && x.phase === 'start' && x.at >= resumedAt),
            [],
            'the ex-leader called the source after resuming',
          );
          for (const instance of c.instances) {
            const history = instance.history('t');
            assert.deepEqual(
              history,
              [...history].sort((a, b) => a - b),
              `instance ${instance.pid} went back: ${history}`,
            );
            assert.equal(instance.versions.get('t'), 3);
          }
        },
      );
    },
  );
}

export type { Instance };
