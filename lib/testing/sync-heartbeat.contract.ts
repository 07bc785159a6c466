import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncHeartbeat } from '../backend/sync-heartbeat.interface.js';
import type { SyncStore } from '../backend/sync-store.interface.js';
import { type ContractRunner, nodeTestRunner } from './contract.runner.js';
import type { SyncStoreFactory } from './sync-store.contract.js';

function beat(instance: string, version: SyncHeartbeat['tasks'][string]['version'] = 5): SyncHeartbeat {
  const now = Date.now();
  return {
    instance,
    host: 'host-a',
    pid: 42,
    startedAt: now - 1_000,
    at: now,
    leader: false,
    tasks: { flags: { version, revision: 3, origin: 'live', installedAt: now } },
  };
}

const byInstance = (beats: SyncHeartbeat[]) => [...beats].sort((a, b) => a.instance.localeCompare(b.instance));

/**
 * The contract of the optional heartbeat methods of a `SyncStore` (the fleet view), as a
 * suite registered through `runner` (node:test by default; see `ContractRunner`): a store that
 * implements `heartbeat` must implement `instances` and `leave` and keep this behaviour.
 * The cases of the optional `renewHeartbeat` pass at once for a store without it, unless `renews` says
 * the store has it (then they fail without it: a store that lost the method is not reported as passing).
 * Every test uses a fresh namespace.
 *
 * @example describeSyncHeartbeatContract('MemorySyncStore', () => new MemorySyncStore());
 */
export function describeSyncHeartbeatContract(
  name: string,
  factory: SyncStoreFactory,
  options: { runner?: ContractRunner; renews?: boolean } = {},
): void {
  const { describe, it, before, after } = options.runner ?? nodeTestRunner;
  describe(`SyncStore heartbeat contract: ${name}`, () => {
    let store: Required<Pick<SyncStore, 'heartbeat' | 'instances' | 'leave'>> & SyncStore;
    const ns = () => `heartbeat-${randomUUID()}`;

    before(async () => {
      const made = await factory();
      assert.equal(typeof made.heartbeat, 'function', 'heartbeat()');
      assert.equal(typeof made.instances, 'function', 'instances() goes with heartbeat()');
      assert.equal(typeof made.leave, 'function', 'leave() goes with heartbeat()');
      store = made as typeof store;
    });
    after(async () => {
      await store?.close();
    });

    it('lists nothing for a namespace without beats', async () => {
      assert.deepEqual(await store.instances(ns()), []);
    });

    it('round-trips beats, one per instance, keeping version types (5 and "5" apart)', async () => {
      const namespace = ns();
      const sent = [beat('a', 5), beat('b', '5')];
      for (const one of sent) await store.heartbeat(namespace, one, 5_000);
      const read = byInstance(await store.instances(namespace));
      assert.deepEqual(read, sent);
      assert.equal(read[0].tasks.flags.version, 5);
      assert.equal(read[1].tasks.flags.version, '5');
    });

    it("replaces an instance's previous beat", async () => {
      const namespace = ns();
      await store.heartbeat(namespace, beat('a', 1), 5_000);
      await store.heartbeat(namespace, { ...beat('a', 2), leader: true }, 5_000);
      const beats = await store.instances(namespace);
      assert.equal(beats.length, 1);
      assert.equal(beats[0].tasks.flags.version, 2);
      assert.equal(beats[0].leader, true);
    });

    it('forgets a beat once its TTL passed, and keeps a renewed one', async () => {
      const namespace = ns();
      await store.heartbeat(namespace, beat('short'), 150);
      await store.heartbeat(namespace, beat('long'), 5_000);
      await sleep(400);
      assert.deepEqual(
        (await store.instances(namespace)).map((b) => b.instance),
        ['long'],
      );
      await store.heartbeat(namespace, beat('renewed'), 5_000);
      assert.deepEqual((await store.instances(namespace)).map((b) => b.instance).sort(), ['long', 'renewed']);
    });

    /** The store when it renews beats, or `undefined` (the case then has nothing to check). */
    const renewing = () => {
      if (typeof store.renewHeartbeat === 'function') {
        return store as typeof store & Required<Pick<SyncStore, 'renewHeartbeat'>>;
      }
      if (options.renews) assert.fail('renewHeartbeat() is missing, but the suite was told the store renews beats');
      return undefined;
    };

    it('renewHeartbeat (if the store has it): keeps a beat past its first TTL, its content unchanged', async () => {
      const renewer = renewing();
      if (!renewer) return;
      const namespace = ns();
      const sent = beat('a', 7);
      const start = performance.now();
      await renewer.heartbeat(namespace, sent, 1_500);
      await sleep(200);
      assert.equal(await renewer.renewHeartbeat(namespace, 'a', 10_000), true);
      await sleep(Math.max(0, start + 1_700 - performance.now())); // past the TTL of the beat itself
      assert.deepEqual(await renewer.instances(namespace), [sent]);
    });

    it('renewHeartbeat (if the store has it): false for an unknown, left or expired beat, which stays out', async () => {
      const renewer = renewing();
      if (!renewer) return;
      const namespace = ns();
      await renewer.heartbeat(namespace, beat('live'), 5_000);
      assert.equal(await renewer.renewHeartbeat(namespace, 'never-there', 5_000), false);
      assert.equal(await renewer.renewHeartbeat(ns(), 'live', 5_000), false, 'another namespace');
      await renewer.heartbeat(namespace, beat('left'), 5_000);
      await renewer.leave(namespace, 'left');
      assert.equal(await renewer.renewHeartbeat(namespace, 'left', 5_000), false);
      await renewer.heartbeat(namespace, beat('expired'), 150);
      await sleep(400);
      assert.equal(await renewer.renewHeartbeat(namespace, 'expired', 5_000), false);
      assert.deepEqual(
        (await renewer.instances(namespace)).map((b) => b.instance),
        ['live'],
      );
      await renewer.heartbeat(namespace, beat('expired'), 5_000);
      assert.deepEqual((await renewer.instances(namespace)).map((b) => b.instance).sort(), ['expired', 'live']);
    });

    it('renewHeartbeat (if the store has it): a full beat after a renewal replaces the beat', async () => {
      const renewer = renewing();
      if (!renewer) return;
      const namespace = ns();
      await renewer.heartbeat(namespace, beat('a', 1), 5_000);
      assert.equal(await renewer.renewHeartbeat(namespace, 'a', 5_000), true);
      const next = { ...beat('a', 2), leader: true };
      await renewer.heartbeat(namespace, next, 5_000);
      assert.deepEqual(await renewer.instances(namespace), [next]);
    });

    it('removes a beat on leave(), and keeps namespaces apart', async () => {
      const one = ns();
      const two = ns();
      await store.heartbeat(one, beat('a'), 5_000);
      await store.heartbeat(one, beat('b'), 5_000);
      await store.heartbeat(two, beat('a'), 5_000);
      await store.leave(one, 'a');
      await store.leave(one, 'never-there');
      assert.deepEqual(
        (await store.instances(one)).map((b) => b.instance),
        ['b'],
      );
      assert.deepEqual(
        (await store.instances(two)).map((b) => b.instance),
        ['a'],
      );
    });
  });
}
