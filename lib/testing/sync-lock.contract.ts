import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncLease, SyncLock } from '../backend/sync-lock.interface.js';

/** Builds the lock under test; called once per suite. */
export type SyncLockFactory = () => SyncLock | Promise<SyncLock>;

/** Tuning for slower backends; the defaults suit loopback servers. */
export interface SyncLockContractOptions {
  /** TTL used by the expiry tests, ms (default 300). */
  shortTtl?: number;
  /** Contenders and duration of the fuzz (default 12 contenders for 1500 ms). */
  fuzzContenders?: number;
  fuzzMs?: number;
}

/**
 * The contract every `SyncLock` must keep, as a `node:test` suite (the model is
 * ShedLock's AbstractLockProviderIntegrationTest and its FuzzTester). Every test
 * uses a fresh lease name, so a suite can run against a shared server.
 *
 * @example describeSyncLockContract('MemorySyncLock', () => new MemorySyncLock());
 */
export function describeSyncLockContract(
  name: string,
  factory: SyncLockFactory,
  options: SyncLockContractOptions = {},
): void {
  const shortTtl = options.shortTtl ?? 300;
  describe(`SyncLock contract: ${name}`, () => {
    let lock: SyncLock;
    const fresh = () => `contract-${randomUUID()}`;

    before(async () => {
      lock = await factory();
    });
    after(async () => {
      await lock?.close();
    });

    it('refuses a second acquire while the lease is held, by anyone', async () => {
      const key = fresh();
      const lease = await lock.acquire(key, 'a', 10_000);
      assert.ok(lease);
      assert.equal(lease.holder, 'a');
      assert.equal(lease.name, key);
      assert.equal(await lock.acquire(key, 'b', 10_000), undefined);
      assert.equal(await lock.acquire(key, 'a', 10_000), undefined, 'not re-entrant');
    });

    it('can be acquired again after release', async () => {
      const key = fresh();
      const first = await lock.acquire(key, 'a', 10_000);
      assert.ok(first);
      assert.equal(await lock.release(first), true);
      const second = await lock.acquire(key, 'b', 10_000);
      assert.ok(second);
      assert.equal(second.holder, 'b');
    });

    it('can be acquired again after the TTL expires', async () => {
      const key = fresh();
      assert.ok(await lock.acquire(key, 'a', shortTtl));
      assert.equal(await lock.acquire(key, 'b', 10_000), undefined);
      await sleep(shortTtl * 2);
      const taken = await lock.acquire(key, 'b', 10_000);
      assert.ok(taken, 'expired lease taken over');
    });

    it('lets only the holder renew, and a renewal keeps the lease past its first TTL', async () => {
      const key = fresh();
      const lease = await lock.acquire(key, 'a', shortTtl);
      assert.ok(lease);
      assert.equal(await lock.renew({ ...lease, holder: 'b' }, 10_000), false, 'other holder');
      assert.equal(await lock.renew({ ...lease, fence: lease.fence + 1 }, 10_000), false, 'other fence');
      assert.equal(await lock.renew(lease, shortTtl * 4), true);
      await sleep(shortTtl * 2);
      assert.equal(await lock.acquire(key, 'b', 10_000), undefined, 'renewed lease still held');
      assert.equal(await lock.renew(lease, shortTtl), true);
    });

    it('refuses to renew a lease that expired and was taken', async () => {
      const key = fresh();
      const lease = await lock.acquire(key, 'a', shortTtl);
      assert.ok(lease);
      await sleep(shortTtl * 2);
      assert.ok(await lock.acquire(key, 'b', 10_000));
      assert.equal(await lock.renew(lease, 10_000), false);
      assert.equal(await lock.release(lease), false, 'the ex-holder cannot release the new lease');
      assert.equal((await lock.current(key))?.holder, 'b');
    });

    it('gives fences that strictly increase across acquisitions (release and expiry alike)', async () => {
      const key = fresh();
      const fences: number[] = [];
      for (let i = 0; i < 4; i++) {
        const lease = await lock.acquire(key, `h${i}`, 10_000);
        assert.ok(lease);
        fences.push(lease.fence);
        await lock.release(lease);
      }
      const expiring = await lock.acquire(key, 'x', shortTtl);
      assert.ok(expiring);
      fences.push(expiring.fence);
      await sleep(shortTtl * 2);
      const after = await lock.acquire(key, 'y', 10_000);
      assert.ok(after);
      fences.push(after.fence);
      for (let i = 1; i < fences.length; i++) assert.ok(fences[i] > fences[i - 1], `fences ${fences}`);
    });

    it('reports the current holder and nothing once released', async () => {
      const key = fresh();
      assert.equal(await lock.current(key), undefined);
      const lease = await lock.acquire(key, 'a', 10_000);
      assert.ok(lease);
      const current = await lock.current(key);
      assert.equal(current?.holder, 'a');
      assert.equal(current?.fence, lease.fence);
      await lock.release(lease);
      assert.equal(await lock.current(key), undefined);
    });

    it('keeps lease names apart', async () => {
      const one = fresh();
      const two = fresh();
      assert.ok(await lock.acquire(one, 'a', 10_000));
      assert.ok(await lock.acquire(two, 'b', 10_000));
    });

    it('never gives two holders at once to many concurrent contenders (fuzz)', async () => {
      const key = fresh();
      const contenders = options.fuzzContenders ?? 12;
      const until = Date.now() + (options.fuzzMs ?? 1_500);
      let holders = 0;
      let overlaps = 0;
      const fences: number[] = [];
      const contend = async (id: number) => {
        while (Date.now() < until) {
          const lease: SyncLease | undefined = await lock.acquire(key, `c${id}`, 10_000);
          if (!lease) {
            await sleep(Math.random() * 3);
            continue;
          }
          if (holders !== 0) overlaps++;
          holders++;
          fences.push(lease.fence);
          await sleep(Math.random() * 4);
          assert.equal(await lock.renew(lease, 10_000), true);
          holders--;
          assert.equal(await lock.release(lease), true);
        }
      };
      await Promise.all(Array.from({ length: contenders }, (_, i) => contend(i)));
      assert.equal(overlaps, 0, 'two contenders held the lease at once');
      assert.ok(fences.length >= 10, `only ${fences.length} acquisitions`);
      for (let i = 1; i < fences.length; i++) assert.ok(fences[i] > fences[i - 1], `fence order broken at ${i}`);
    });
  });
}
