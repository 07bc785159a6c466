import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDuration, durationFix, isDuration, MAX_TIMER_MS } from './option.checks.js';

describe('duration checks', () => {
  it('accepts finite ms above 0 (and above min) up to the longest timer', () => {
    for (const ok of [1, 0.5, 5_000, MAX_TIMER_MS]) assert.equal(isDuration(ok), true, String(ok));
    for (const bad of [0, -1, Number.NaN, Infinity, MAX_TIMER_MS + 1, '5', null, undefined]) {
      assert.equal(isDuration(bad), false, String(bad));
    }
    assert.equal(isDuration(499, 500), false);
    assert.equal(isDuration(500, 500), true);
  });

  it('says how to fix a bad value, with the bound and the default', () => {
    assert.equal(
      durationFix('timeout', { fallback: 5_000 }),
      `Use a finite number of milliseconds greater than 0 and at most ${MAX_TIMER_MS}, e.g. timeout: 5000, ` +
        'or leave it out (default 5000).',
    );
    assert.match(durationFix('leaseTtl', { min: 500 }), /of at least 500 .*e\.g\. leaseTtl: 5000\.$/);
  });

  it('returns the value or the fallback, and throws the error the caller builds', () => {
    const invalid = (fix: string) => new RangeError(fix);
    assert.equal(checkDuration('t', undefined, { fallback: 7 }, invalid), 7);
    assert.equal(checkDuration('t', 3, { fallback: 7 }, invalid), 3);
    assert.throws(() => checkDuration('t', undefined, {}, invalid), RangeError, 'required without a fallback');
    assert.throws(() => checkDuration('t', 0, { fallback: 7 }, invalid), /greater than 0/);
  });
});
