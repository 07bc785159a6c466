import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from './backoff.util.js';

const range = { base: 100, max: 2_000 };

describe('backoffDelay', () => {
  it('doubles its ceiling per attempt up to the maximum', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 50].map((attempt) => backoffDelay(attempt, range, () => 1));
    assert.deepEqual(ceilings, [100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000]);
  });

  it('jitters between half and all of the ceiling', () => {
    assert.equal(
      backoffDelay(3, range, () => 0),
      400,
    );
    assert.equal(
      backoffDelay(3, range, () => 0.5),
      600,
    );
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(2, range);
      assert.ok(delay >= 200 && delay <= 400, `${delay}`);
    }
  });

  it('stays finite for huge or negative attempt counts', () => {
    assert.equal(
      backoffDelay(10_000, { base: 100, max: 5_000 }, () => 1),
      5_000,
    );
    assert.equal(
      backoffDelay(-3, range, () => 1),
      100,
    );
  });
});
