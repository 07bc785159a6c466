import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Semaphore } from './semaphore.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('grants up to `limit` slots at once and queues the rest', async () => {
    const semaphore = new Semaphore(2);
    const granted: number[] = [];
    for (const n of [1, 2, 3, 4]) void semaphore.acquire().then(() => granted.push(n));
    await settle();
    assert.deepEqual(granted, [1, 2]);
    semaphore.release();
    await settle();
    assert.deepEqual(granted, [1, 2, 3]);
  });

  it('hands released slots to waiters in the order they asked (FIFO)', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const granted: string[] = [];
    for (const name of ['a', 'b', 'c']) void semaphore.acquire().then(() => granted.push(name));
    for (let i = 0; i < 3; i++) {
      semaphore.release();
      await settle();
    }
    assert.deepEqual(granted, ['a', 'b', 'c']);
  });

  it('frees a slot when released with nobody waiting', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    semaphore.release();
    let granted = false;
    void semaphore.acquire().then(() => (granted = true));
    await settle();
    assert.equal(granted, true);
  });

  it('never queues with an Infinity limit', async () => {
    const semaphore = new Semaphore(Infinity);
    const all = Array.from({ length: 1_000 }, () => semaphore.acquire());
    let granted = 0;
    for (const p of all) void p.then(() => granted++);
    await settle();
    assert.equal(granted, 1_000);
  });
});
