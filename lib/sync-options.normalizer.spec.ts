import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSyncOptionsError } from './sync.errors.js';
import { MemorySyncLock } from './backends/memory/memory-sync.lock.js';
import { MemorySyncStore } from './backends/memory/memory-sync.store.js';
import { normalizeSyncOptions } from './sync-options.normalizer.js';
import type { SyncModuleOptions } from './interfaces/sync-options.interface.js';

function rejects(options: unknown, option: string, shown: string): void {
  assert.throws(
    () => normalizeSyncOptions(options as SyncModuleOptions),
    (error: unknown) => {
      assert.ok(error instanceof InvalidSyncOptionsError, `got ${String(error)}`);
      assert.equal(error.option, option);
      assert.ok(error.message.includes(`"${option}"`), error.message);
      assert.ok(error.message.includes(shown), `message should show ${shown}: ${error.message}`);
      return true;
    },
  );
}

describe('normalizeSyncOptions', () => {
  it('fills every default', () => {
    const options = normalizeSyncOptions({ interval: 1_000 });
    assert.equal(options.interval, 1_000);
    assert.equal(options.name, 'default');
    assert.equal(options.timeout, 30_000);
    assert.equal(options.leaseTtl, 15_000);
    assert.equal(options.concurrency, Infinity);
    assert.equal(options.freeze, true);
    assert.ok(options.store instanceof MemorySyncStore);
    assert.ok(options.lock instanceof MemorySyncLock);
  });

  it('keeps what was given', () => {
    const store = new MemorySyncStore();
    const lock = new MemorySyncLock();
    const options = normalizeSyncOptions({
      interval: 5,
      name: 'pricing.v2',
      timeout: 7,
      leaseTtl: 500,
      concurrency: 2,
      freeze: false,
      store,
      lock,
    });
    assert.deepEqual(
      { ...options },
      {
        interval: 5,
        name: 'pricing.v2',
        timeout: 7,
        leaseTtl: 500,
        concurrency: 2,
        freeze: false,
        store,
        lock,
        maxDataBytes: Infinity,
        ready: { wait: false, timeout: 30_000 },
        sharedLock: false,
      },
    );
    assert.equal(normalizeSyncOptions({ interval: 1, maxDataBytes: 1024 }).maxDataBytes, 1024);
  });

  for (const [value, shown] of [
    [0, '0'],
    [-5, '-5'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    ['1000', "'1000'"],
    [undefined, 'undefined'],
    [null, 'null'],
  ] as const) {
    it(`refuses interval ${shown}`, () => rejects({ interval: value }, 'interval', shown));
  }

  it('refuses a bad timeout, leaseTtl, concurrency, name and freeze', () => {
    rejects({ interval: 1, timeout: -1 }, 'timeout', '-1');
    rejects({ interval: 1, timeout: '5s' }, 'timeout', "'5s'");
    rejects({ interval: 30 * 24 * 3_600_000 }, 'interval', '2592000000');
    rejects({ interval: 1, leaseTtl: 10 }, 'leaseTtl', '10');
    rejects({ interval: 1, leaseTtl: Infinity }, 'leaseTtl', 'Infinity');
    rejects({ interval: 1, concurrency: 0 }, 'concurrency', '0');
    rejects({ interval: 1, concurrency: 1.5 }, 'concurrency', '1.5');
    rejects({ interval: 1, name: '' }, 'name', "''");
    rejects({ interval: 1, name: 'has space' }, 'name', "'has space'");
    rejects({ interval: 1, name: 42 }, 'name', '42');
    rejects({ interval: 1, freeze: 'yes' }, 'freeze', "'yes'");
    rejects({ interval: 1, maxDataBytes: 0 }, 'maxDataBytes', '0');
    rejects({ interval: 1, maxDataBytes: '1MB' }, 'maxDataBytes', "'1MB'");
  });

  it('refuses a store or lock that lacks the interface methods, naming them', () => {
    rejects({ interval: 1, store: {} }, 'store', '{}');
    rejects({ interval: 1, store: 'redis://localhost' }, 'store', "'redis://localhost'");
    const partial = { read() {}, write() {} };
    assert.throws(() => normalizeSyncOptions({ interval: 1, store: partial as never }), /lacks touch, revision, heads/);
    rejects({ interval: 1, lock: { acquire() {} } }, 'lock', 'acquire');
    assert.throws(
      () => normalizeSyncOptions({ interval: 1, lock: { acquire() {} } as never }),
      /lacks renew, release, current, close/,
    );
  });

  it('refuses unknown options and a missing options object', () => {
    rejects({ interval: 1, intervall: 5 }, 'intervall', '5');
    rejects(undefined, 'options', 'undefined');
  });
});
