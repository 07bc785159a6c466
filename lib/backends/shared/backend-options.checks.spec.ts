import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSyncOptionsError, jsonSerializer, MAX_TIMER_MS } from '../../backend/index.js';
import {
  checkName,
  checkSerializer,
  checkTtl,
  compressionOption,
  durationOption,
  inlineMaxBytesOption,
} from './backend-options.checks.js';

/** Asserts `run` throws an `InvalidSyncOptionsError` about `option` whose message shows `shown`. */
function refuses(run: () => unknown, option: string, shown: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof InvalidSyncOptionsError, String(error));
    assert.equal(error.option, option);
    assert.ok(error.message.includes(shown), error.message);
    return true;
  });
}

describe('backend option checks', () => {
  it('takes a duration option or its default, and refuses anything else naming the owner and the value', () => {
    assert.equal(durationOption('RedisSyncStore', 'timeout', undefined, 5_000), 5_000);
    assert.equal(durationOption('RedisSyncStore', 'timeout', 0.5, 5_000), 0.5);
    for (const [value, shown] of [
      [0, 'got 0'],
      [-1, 'got -1'],
      [Number.NaN, 'got NaN'],
      [Number.POSITIVE_INFINITY, 'got Infinity'],
      [MAX_TIMER_MS + 1, `got ${MAX_TIMER_MS + 1}`],
      ['5000', "got '5000'"],
      [null, 'got null'],
    ] as const) {
      refuses(() => durationOption('PostgresSyncStore', 'queryTimeout', value, 10_000), 'queryTimeout', shown);
    }
    refuses(() => durationOption('X', 'timeout', -1, 5_000), 'timeout', 'Invalid X option "timeout"');
    refuses(() => durationOption('X', 'timeout', -1, 5_000), 'timeout', 'default 5000');
  });

  it('refuses a TTL argument as the same error in every backend', () => {
    assert.equal(checkTtl('L', 1), 1);
    refuses(() => checkTtl('L', 0), 'ttl', 'Invalid ttl passed to L: got 0');
    refuses(() => checkTtl('L', undefined), 'ttl', 'got undefined');
  });

  it('takes a non-empty string name and refuses the rest', () => {
    assert.equal(checkName('L', 'holder', 'h', 'fix'), 'h');
    refuses(() => checkName('L', 'holder', '', 'Use a process id.'), 'holder', 'Use a process id.');
    refuses(() => checkName('L', 'holder', 7, 'fix'), 'holder', 'got 7');
  });

  it('takes a serializer with encode and decode, or nothing', () => {
    assert.equal(checkSerializer('S', undefined), undefined);
    assert.equal(checkSerializer('S', jsonSerializer), jsonSerializer);
    refuses(() => checkSerializer('S', { encode: JSON.stringify }), 'serializer', 'encode');
    refuses(() => checkSerializer('S', null), 'serializer', 'got null');
  });

  it('takes inlineMaxBytes from 0 to the backend limit, 4096 by default, and refuses the rest', () => {
    assert.equal(inlineMaxBytesOption('S', undefined), 4_096);
    assert.equal(inlineMaxBytesOption('S', 0), 0);
    assert.equal(inlineMaxBytesOption('P', 8_000, 8_000), 8_000);
    refuses(() => inlineMaxBytesOption('P', 8_001, 8_000), 'inlineMaxBytes', 'to 8000');
    for (const bad of [-1, 1.5, '4096', null, Number.NaN])
      refuses(() => inlineMaxBytesOption('S', bad), 'inlineMaxBytes', 'got');
  });

  it('takes compression and compressAbove, off and 64 KiB by default, and refuses the rest', () => {
    assert.deepEqual(compressionOption('S', {}), { algorithm: false, above: 65_536 });
    assert.deepEqual(compressionOption('S', { compression: 'brotli', compressAbove: 0 }), {
      algorithm: 'brotli',
      above: 0,
    });
    refuses(() => compressionOption('S', { compression: 'zstd' }), 'compression', "got 'zstd'");
    refuses(() => compressionOption('S', { compression: true }), 'compression', 'got true');
    refuses(() => compressionOption('S', { compression: 'gzip', compressAbove: -1 }), 'compressAbove', 'got -1');
  });
});
