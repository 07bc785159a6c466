import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSyncOptionsError } from '../../backend/index.js';
import { channelName, qualifiedName, quoteIdentifier, validateIdentifier } from './postgres-identifiers.js';

describe('PostgreSQL identifiers', () => {
  it('takes plain identifiers up to 63 characters, or the fallback', () => {
    assert.equal(validateIdentifier('S', 'schema', undefined, 'public'), 'public');
    assert.equal(validateIdentifier('S', 'table', 'Sync_2', 'x'), 'Sync_2');
    assert.equal(validateIdentifier('S', 'table', `_${'a'.repeat(62)}`, 'x').length, 63);
  });

  it('refuses anything else, naming the option and the value', () => {
    for (const bad of ['a"b', 'has space', '', 'x'.repeat(64), '1abc', 'ünï', 42, null]) {
      assert.throws(
        () => validateIdentifier('PostgresSyncStore', 'schema', bad, 'public'),
        (error: unknown) =>
          error instanceof InvalidSyncOptionsError &&
          error.option === 'schema' &&
          error.message.startsWith('Invalid PostgresSyncStore option "schema"') &&
          error.message.includes('"public"'),
        String(bad),
      );
    }
  });

  it('quotes every name, doubling inner quotes', () => {
    assert.equal(quoteIdentifier('Select'), '"Select"');
    assert.equal(quoteIdentifier('a"b'), '"a""b"');
    assert.equal(qualifiedName('s', 't'), '"s"."t"');
  });

  it('names a channel readably while it fits in 63 printable bytes, else by a stable hash', () => {
    assert.equal(channelName('public', 'sync_snapshots', 'default'), 'public.sync_snapshots:default');
    const long = channelName('public', 'sync_snapshots', 'n'.repeat(60));
    assert.match(long, /^vsync_[0-9a-f]{40}$/);
    assert.equal(channelName('public', 'sync_snapshots', 'n'.repeat(60)), long, 'stable');
    assert.notEqual(channelName('public', 'sync_snapshots', 'n'.repeat(61)), long, 'distinct');
    assert.match(channelName('public', 't', 'ünï'), /^vsync_/, 'non-ASCII is hashed');
    assert.match(channelName('public', 't', 'a\nb'), /^vsync_/, 'control characters are hashed');
  });
});
