import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LockCaseContext } from './lock-contract.types.js';

/** Acquire, release, expiry, renewal and `current`: one lease at a time. */
export function lockBasicCases({ it, lock, fresh, shortTtl }: LockCaseContext): void {
  it('refuses a second acquire while the lease is held, by anyone', async () => {
    const key = fresh();
    const lease = await lock().acquire(key, 'a', 10_000);
    assert.ok(lease);
    assert.equal(lease.holder, 'a');
    assert.equal(lease.name, key);
    assert.equal(await lock().acquire(key, 'b', 10_000), undefined);
    assert.equal(await lock().acquire(key, 'a', 10_000), undefined, 'not re-entrant');
  });

  it('can be acquired again after release', async () => {
    const key = fresh();
    const first = await lock().acquire(key, 'a', 10_000);
    assert.ok(first);
    assert.equal(await lock().release(first), true);
    const second = await lock().acquire(key, 'b', 10_000);
    assert.ok(second);
    assert.equal(second.holder, 'b');
  });

  it('can be acquired again after the TTL expires', async () => {
    const key = fresh();
    assert.ok(await lock().acquire(key, 'a', shortTtl));
    assert.equal(await lock().acquire(key, 'b', 10_000), undefined);
    await sleep(shortTtl * 2);
    const taken = await lock().acquire(key, 'b', 10_000);
    assert.ok(taken, 'expired lease taken over');
  });

  it('lets only the holder renew, and a renewal keeps the lease past its first TTL', async () => {
    const key = fresh();
    const lease = await lock().acquire(key, 'a', shortTtl);
    assert.ok(lease);
    assert.equal(await lock().renew({ ...lease, holder: 'b' }, 10_000), false, 'other holder');
    assert.equal(await lock().renew({ ...lease, fence: lease.fence + 1 }, 10_000), false, 'other fence');
    assert.equal(await lock().renew(lease, shortTtl * 4), true);
    await sleep(shortTtl * 2);
    assert.equal(await lock().acquire(key, 'b', 10_000), undefined, 'renewed lease still held');
    assert.equal(await lock().renew(lease, shortTtl), true);
  });

  it('refuses to renew a lease that expired and was taken', async () => {
    const key = fresh();
    const lease = await lock().acquire(key, 'a', shortTtl);
    assert.ok(lease);
    await sleep(shortTtl * 2);
    assert.ok(await lock().acquire(key, 'b', 10_000));
    assert.equal(await lock().renew(lease, 10_000), false);
    assert.equal(await lock().release(lease), false, 'the ex-holder cannot release the new lease');
    assert.equal((await lock().current(key))?.holder, 'b');
  });

  it('reports the current holder and nothing once released', async () => {
    const key = fresh();
    assert.equal(await lock().current(key), undefined);
    const lease = await lock().acquire(key, 'a', 10_000);
    assert.ok(lease);
    const current = await lock().current(key);
    assert.equal(current?.holder, 'a');
    assert.equal(current?.fence, lease.fence);
    await lock().release(lease);
    assert.equal(await lock().current(key), undefined);
  });

  it('keeps lease names apart', async () => {
    const one = fresh();
    const two = fresh();
    assert.ok(await lock().acquire(one, 'a', 10_000));
    assert.ok(await lock().acquire(two, 'b', 10_000));
  });
}
