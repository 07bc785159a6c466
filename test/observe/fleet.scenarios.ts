import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Instance } from '../support/cluster.js';
import { waitFor } from '../support/wait-for.js';
import { ObserveCluster, type FleetJson } from './observe.cluster.js';

/** Settings of the fleet scenarios on one backend. */
export interface FleetScenarioOptions {
  env: Record<string, string>;
  skip: string | false;
  cleanup: () => Promise<void>;
}

const interval = 200;
const leaseTtl = 1_000;
/** Polling three instances over HTTP on a loaded 2-core machine: a safety net, the figures are printed. */
const margin = 300;

/** ms until the async `probe` holds (`timeUntil` of the support module takes synchronous probes only). */
async function timeUntil(probe: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const start = Date.now();
  await waitFor(probe, ms, what);
  return Date.now() - start;
}

/**
 * The fleet view with three real processes: every instance lists all three with the right
 * versions, a new version shows everywhere, a stopped follower shows as lagging, and a
 * SIGKILLed one leaves the fleet within leaseTtl + interval.
 */
export function describeFleet(label: string, options: FleetScenarioOptions): void {
  describe(`fleet view on ${label} (three processes)`, { skip: options.skip }, () => {
    const cluster = new ObserveCluster(
      { ...options.env, SYNC_INTERVAL_MS: String(interval), SYNC_LEASE_TTL_MS: String(leaseTtl) },
      ['a', 'b'],
    );
    after(async () => {
      await cluster.stop();
      await options.cleanup();
    });

    /** Whether every fleet view of `from` lists exactly `expected` pids with the source's versions. */
    const agrees = async (from: Instance[], expected: Instance[]) => {
      const fleets = await Promise.all(from.map((i) => cluster.fleet(i)));
      const want = expected.map((i) => i.pid).sort();
      return fleets.every(
        (fleet: FleetJson) =>
          JSON.stringify(fleet.map((i) => i.pid).sort()) === JSON.stringify(want) &&
          fleet.every((i) => i.tasks.every((t) => t.version === cluster.source.version(t.tag) && !t.lagging)),
      );
    };

    it('lists all three everywhere with their versions, follows a change, shows a stopped follower lagging, drops a killed one', async () => {
      const [first, second, third] = await cluster.start(3);
      const all = [first, second, third];
      const listed = await timeUntil(() => agrees(all, all), 2 * interval + margin, 'every fleet() lists all three');
      const fleet = await cluster.fleet(second);
      assert.equal(fleet.filter((i) => i.leader).length, 1, 'one leader');
      assert.equal(fleet.find((i) => i.self)?.pid, second.pid);
      assert.deepEqual(
        fleet[0].tasks.map((t) => t.tag),
        ['a', 'b'],
      );

      cluster.source.setVersion('a', 2);
      const changed = await timeUntil(() => agrees(all, all), 3 * interval + margin, 'every fleet() shows a = 2');

      // A follower that cannot follow (SIGSTOP) keeps its last beat until it expires: it shows as lagging.
      const leaderPid = (await cluster.fleet(first)).find((i) => i.leader)!.pid;
      const [stopped, ...others] = [...all].sort((x, y) => Number(x.pid === leaderPid) - Number(y.pid === leaderPid));
      stopped.child.kill('SIGSTOP');
      cluster.source.setVersion('b', 2);
      const lagging = await timeUntil(
        async () => {
          const view = await cluster.fleet(others[0]);
          const task = view.find((i) => i.pid === stopped.pid)?.tasks.find((t) => t.tag === 'b');
          return task?.lagging === true && task.version === 1;
        },
        leaseTtl,
        'the stopped follower shows as lagging on b',
      );
      stopped.child.kill('SIGCONT');
      await timeUntil(() => agrees(all, all), leaseTtl + interval + margin, 'the resumed follower catches up');

      // A SIGKILLed instance leaves every other fleet within leaseTtl + interval.
      const victim = others.find((i) => i.pid !== leaderPid) ?? stopped;
      const survivors = all.filter((i) => i !== victim);
      victim.child.kill('SIGKILL');
      const gone = await timeUntil(
        () => agrees(survivors, survivors),
        leaseTtl + interval + margin,
        'the killed instance leaves the fleet',
      );
      process.stdout.write(
        `# ${label} fleet: all listed after ${listed} ms, change seen everywhere in ${changed} ms, ` +
          `stopped follower lagging after ${lagging} ms, killed one gone after ${gone} ms\n`,
      );
    });
  });
}
