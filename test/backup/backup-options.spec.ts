import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidSyncOptionsError } from '../../lib/index.js';
import { normalizeSyncOptions } from '../../lib/sync-options.normalizer.js';

describe('the backup option', () => {
  it('is off by default, and resolves dir to <dir>/<name> with maxAge Infinity when not given', () => {
    assert.equal(normalizeSyncOptions({ interval: 10 }).backup, undefined);
    const on = normalizeSyncOptions({ interval: 10, name: 'pricing', backup: { dir: 'var/sync' } }).backup;
    assert.deepEqual(on, { dir: join(process.cwd(), 'var/sync', 'pricing'), maxAge: Infinity });
    assert.equal(
      normalizeSyncOptions({ interval: 10, backup: { dir: '/d', maxAge: 7 * 86_400_000 } }).backup?.maxAge,
      7 * 86_400_000,
    );
  });

  for (const [label, backup, option] of [
    ['not an object', 'dir', 'backup'],
    ['no dir', {}, 'backup.dir'],
    ['an empty dir', { dir: ' ' }, 'backup.dir'],
    ['a dir with a NUL', { dir: 'a\0b' }, 'backup.dir'],
    ['a negative maxAge', { dir: '/d', maxAge: -1 }, 'backup.maxAge'],
    ['a string maxAge', { dir: '/d', maxAge: '1h' }, 'backup.maxAge'],
    ['NaN maxAge', { dir: '/d', maxAge: NaN }, 'backup.maxAge'],
    ['an unknown key', { dir: '/d', maxage: 5 }, 'backup.maxage'],
  ] as const) {
    it(`fails with InvalidSyncOptionsError naming ${option} for ${label}`, () => {
      assert.throws(
        () => normalizeSyncOptions({ interval: 10, backup: backup as never }),
        (error: unknown) =>
          error instanceof InvalidSyncOptionsError && error.option === option && error.message.includes(`"${option}"`),
      );
    });
  }
});
