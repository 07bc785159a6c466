import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import { MemorySyncStore } from '../../backends/memory/memory-sync.store.js';
import { normalizeSyncOptions } from '../../sync-options.normalizer.js';
import { SyncRegistry } from '../../sync.registry.js';
import type { SyncLeaseKeeper } from '../lease.keeper.js';
import { SyncReplicaState } from '../replica.state.js';
import { SyncFleetPublisher } from './fleet.publisher.js';

/** A memory store that keeps every beat and renewal it is sent, with the monotonic time it came. */
class RecordingStore extends MemorySyncStore {
  readonly beats: { beat: SyncHeartbeat; at: number }[] = [];
  readonly renewals: { at: number; renewed: boolean }[] = [];
  /** When set, the next renewal fails with it. */
  renewalError: Error | undefined;
  override heartbeat(namespace: string, beat: SyncHeartbeat, ttlMs: number): Promise<void> {
    this.beats.push({ beat: structuredClone(beat), at: performance.now() });
    return super.heartbeat(namespace, beat, ttlMs);
  }
  override async renewHeartbeat(namespace: string, instance: string, ttlMs: number): Promise<boolean> {
    const error = this.renewalError;
    this.renewalError = undefined;
    if (error) throw error;
    const renewed = await super.renewHeartbeat(namespace, instance, ttlMs);
    this.renewals.push({ at: performance.now(), renewed });
    return renewed;
  }
  get last(): SyncHeartbeat | undefined {
    return this.beats.at(-1)?.beat;
  }
}

/** Polls `probe` every 5 ms; `ms` is a safety net for a loaded machine, not a bound under test. */
async function until(probe: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!probe()) {
    if (performance.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(5);
  }
}

const running: SyncFleetPublisher[] = [];

/** A started publisher over tasks `tags`, with a keeper whose leadership the test sets. */
function publisher(
  tags: string[],
  { interval, leaseTtl, renews = true }: { interval: number; leaseTtl: number; renews?: boolean },
) {
  const store = new RecordingStore();
  // A custom store without the optional renewal: the method is absent, not failing.
  if (!renews) Object.defineProperty(store, 'renewHeartbeat', { value: undefined });
  const options = normalizeSyncOptions({ interval, leaseTtl, name: 'ns', store });
  const registry = new SyncRegistry(options);
  for (const tag of tags) registry.register(tag, {}, `Spec.${tag}`, () => 1);
  registry.markComplete();
  const state = new SyncReplicaState(registry, options);
  const keeper = { holder: 'me', leader: false, isLeader: () => keeper.leader };
  const fleet = new SyncFleetPublisher(options, keeper as unknown as SyncLeaseKeeper, state, registry);
  fleet.onModuleInit();
  fleet.start();
  running.push(fleet);
  return { store, state, keeper, fleet };
}

const record = (version: number, revision: number) => ({
  version,
  revision,
  fence: 1,
  data: { version },
  modifiedAt: 1,
  checkedAt: 1,
});

describe('SyncFleetPublisher', () => {
  afterEach(async () => {
    await Promise.all(running.splice(0).map((fleet) => fleet.beforeApplicationShutdown()));
  });

  /** The gaps between keep-alives at monotonic times `times` stay under the beat's expiry. */
  const underExpiry = (times: number[], leaseTtl: number) => {
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(
      gaps.every((gap) => gap < leaseTtl),
      `every gap under the beat's expiry (leaseTtl): ${gaps.map(Math.round)}`,
    );
  };

  it('keeps an unchanged process alive every leaseTtl / 3 by renewals, not by resending its beat', async () => {
    const { store } = publisher(['a', 'b'], { interval: 10, leaseTtl: 300 });
    await sleep(520);
    assert.equal(store.beats.length, 1, 'the first beat only: nothing changed since');
    const times = [store.beats[0].at, ...store.renewals.map((r) => r.at)];
    // Every interval would be ~52 keep-alives; every 100 ms, ~6.
    assert.ok(times.length >= 3 && times.length <= 12, `${times.length} keep-alives in 520 ms`);
    assert.ok(
      store.renewals.every((r) => r.renewed),
      'every renewal found the beat',
    );
    underExpiry(times, 300);
    assert.equal((await store.instances('ns')).length, 1, 'listed past its first expiry');
  });

  it('resends the unchanged beat every leaseTtl / 3 to a store that cannot renew', async () => {
    const { store } = publisher(['a', 'b'], { interval: 10, leaseTtl: 300, renews: false });
    await sleep(520);
    const times = store.beats.map((b) => b.at);
    assert.ok(times.length >= 3 && times.length <= 12, `${times.length} beats in 520 ms`);
    underExpiry(times, 300);
  });

  it('sends the full beat when a renewal finds it gone, and at the next look after a renewal failed', async () => {
    const { store } = publisher(['a'], { interval: 10, leaseTtl: 300 });
    await until(() => store.renewals.length >= 1, 2_000, 'a first renewal');
    await store.leave('ns', 'me'); // as if it had expired (a long stall, a store that lost it)
    await until(() => store.renewals.some((r) => !r.renewed), 2_000, 'a renewal that finds nothing');
    await until(() => store.beats.length === 2, 2_000, 'the full beat after it');
    assert.deepEqual(
      (await store.instances('ns')).map((b) => b.instance),
      ['me'],
    );
    store.renewalError = new Error('store down');
    await until(() => store.renewalError === undefined, 2_000, 'the renewal that fails');
    await until(() => store.beats.length === 3, 2_000, 'the full beat at the next look');
  });

  it('beats an install soon, with its version, revision, origin and install time, in registration order', async () => {
    // leaseTtl / 3 = 20 s: any beat after the first is news.
    const { store, state } = publisher(['b', 'a'], { interval: 10, leaseTtl: 60_000 });
    await until(() => store.beats.length === 1, 2_000, 'the first beat');
    assert.deepEqual(store.last!.tasks, { b: { revision: 0 }, a: { revision: 0 } });
    const before = Date.now();
    state.install('a', record(7, 3));
    await until(() => store.beats.length === 2, 2_000, 'the beat of the install');
    const { a, b }: SyncHeartbeat['tasks'] = store.last!.tasks;
    assert.deepEqual(Object.keys(store.last!.tasks), ['b', 'a']);
    assert.deepEqual(
      { ...a, installedAt: undefined },
      { version: 7, revision: 3, origin: 'live', installedAt: undefined },
    );
    assert.ok(a.installedAt! >= before && a.installedAt! <= Date.now());
    assert.deepEqual(b, { revision: 0 });
    await sleep(100);
    assert.equal(store.beats.length, 2, 'nothing new since: no beat');
  });

  it('beats a revision that moves without an install (live data of the version a backup serves)', async () => {
    const { store, state } = publisher(['a'], { interval: 10, leaseTtl: 60_000 });
    state.installBackup('a', { version: 7, data: {}, modifiedAt: 1, checkedAt: 1 });
    await until(() => store.last?.tasks.a.origin === 'backup', 2_000, 'the beat of the backup');
    const beats = store.beats.length;
    assert.equal(state.install('a', record(7, 4)), false, 'the same version only turns live');
    await until(() => store.beats.length > beats, 2_000, 'a beat at the next look for news');
    const { a } = store.last!.tasks;
    assert.deepEqual([a.version, a.revision, a.origin], [7, 4, 'live']);
  });

  it('beats a change of leadership at the next look for news', async () => {
    const { store, keeper } = publisher(['a'], { interval: 10, leaseTtl: 60_000 });
    await until(() => store.beats.length === 1, 2_000, 'the first beat');
    assert.equal(store.last!.leader, false);
    keeper.leader = true;
    await until(() => store.beats.length === 2, 2_000, 'the beat of the new leader');
    assert.equal(store.last!.leader, true);
  });

  it("view() is this process's state now, between beats too", async () => {
    const { store, state, fleet } = publisher(['a'], { interval: 10_000, leaseTtl: 60_000 });
    await until(() => store.beats.length === 1, 2_000, 'the first beat');
    state.install('a', record(2, 9));
    assert.equal(fleet.view().tasks.a.revision, 9, 'before any beat announces it');
    assert.equal(fleet.view().instance, 'me');
  });
});
