import assert from 'node:assert/strict';
import { InvalidSyncOptionsError } from '../backend/index.js';
import { assertUnreachable, DEFAULT_UNREACHABLE_WITHIN } from './unreachable.case.js';
import type { LockCaseContext } from './lock-contract.types.js';

/** TTLs no backend may take: not a number, not finite, not above 0. */
const BAD_TTLS: unknown[] = [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1000', undefined];

/** Asserts `error` is the `InvalidSyncOptionsError` every backend raises for a bad TTL. */
function badTtl(value: unknown) {
  return (error: unknown) => {
    assert.ok(error instanceof InvalidSyncOptionsError, `ttl ${String(value)}: got ${String(error)}`);
    assert.equal(error.option, 'ttl');
    assert.equal(Object.is(error.value, value), true, `the error carries the value ${String(value)}`);
    return true;
  };
}

/** The same fault gets the same error in every lock: a bad TTL, a server that does not answer. */
export function lockFaultCases({ it, lock, fresh, options }: LockCaseContext): void {
  it('refuses a TTL that is not a positive number of ms with an InvalidSyncOptionsError, in acquire and renew', async () => {
    const key = fresh();
    for (const ttl of BAD_TTLS) {
      await assert.rejects(async () => lock().acquire(key, 'a', ttl as number), badTtl(ttl));
    }
    assert.equal(await lock().current(key), undefined, 'a refused acquire takes nothing');
    const lease = await lock().acquire(key, 'a', 10_000);
    assert.ok(lease);
    for (const ttl of BAD_TTLS) {
      await assert.rejects(async () => lock().renew(lease, ttl as number), badTtl(ttl));
    }
    assert.equal((await lock().current(key))?.fence, lease.fence, 'the lease is still held');
    assert.equal(await lock().release(lease), true);
  });

  const { unreachable } = options;
  if (unreachable) {
    const within = options.unreachableWithin ?? DEFAULT_UNREACHABLE_WITHIN;
    it(`fails with a SyncConnectionError within ${within} ms when its server cannot be reached`, () =>
      assertUnreachable(
        unreachable,
        (lost) => [
          ['connect', () => (lost.connect ? lost.connect() : lost.current(fresh()))],
          ['acquire', () => lost.acquire(fresh(), 'a', 1_000)],
          ['current', () => lost.current(fresh())],
        ],
        within,
      ));
  }
}
