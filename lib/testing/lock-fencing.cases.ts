import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncLease } from '../backend/index.js';
import type { LockCaseContext } from './lock-contract.types.js';

/** Fences that only grow, and one holder at a time under contention (ShedLock's FuzzTester). */
export function lockFencingCases({ it, lock, fresh, shortTtl, options }: LockCaseContext): void {
  it('gives fences that strictly increase across acquisitions (release and expiry alike)', async () => {
    const key = fresh();
    const fences: number[] = [];
    for (let i = 0; i < 4; i++) {
      const lease = await lock().acquire(key, `h${i}`, 10_000);
      assert.ok(lease);
      fences.push(lease.fence);
      await lock().release(lease);
    }
    const expiring = await lock().acquire(key, 'x', shortTtl);
    assert.ok(expiring);
    fences.push(expiring.fence);
    await sleep(shortTtl * 2);
    const after = await lock().acquire(key, 'y', 10_000);
    assert.ok(after);
    fences.push(after.fence);
    for (let i = 1; i < fences.length; i++) assert.ok(fences[i] > fences[i - 1], `fences ${fences}`);
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
        const lease: SyncLease | undefined = await lock().acquire(key, `c${id}`, 10_000);
        if (!lease) {
          await sleep(Math.random() * 3);
          continue;
        }
        if (holders !== 0) overlaps++;
        holders++;
        fences.push(lease.fence);
        await sleep(Math.random() * 4);
        assert.equal(await lock().renew(lease, 10_000), true);
        holders--;
        assert.equal(await lock().release(lease), true);
      }
    };
    await Promise.all(Array.from({ length: contenders }, (_, i) => contend(i)));
    assert.equal(overlaps, 0, 'two contenders held the lease at once');
    assert.ok(fences.length >= 10, `only ${fences.length} acquisitions`);
    for (let i = 1; i < fences.length; i++) assert.ok(fences[i] > fences[i - 1], `fence order broken at ${i}`);
  });
}
