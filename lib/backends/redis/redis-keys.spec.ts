import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSyncOptionsError } from '../../backend/index.js';
import { DEFAULT_KEY_PREFIX, RedisKeys, RedisNamespaceKeys, validateKeyPrefix } from './redis-keys.js';

function invalid(option: string, shown: string) {
  return (error: unknown) => {
    assert.ok(error instanceof InvalidSyncOptionsError, String(error));
    assert.equal(error.option, option);
    assert.ok(error.message.includes(shown), error.message);
    return true;
  };
}

describe('RedisKeys', () => {
  it('puts every key of a namespace under one Cluster hash tag, the tag outside it', () => {
    const keys = new RedisNamespaceKeys('app', 'ns');
    assert.equal(keys.base, 'app:{app:ns}');
    assert.deepEqual(
      [keys.revision, keys.tags, keys.channel, keys.lease, keys.fence, keys.record('a:b{c}')],
      [
        'app:{app:ns}:revision',
        'app:{app:ns}:tags',
        'app:{app:ns}:events',
        'app:{app:ns}:lease',
        'app:{app:ns}:fence',
        'app:{app:ns}:record:a:b{c}',
      ],
    );
  });

  it('caches the keys of each name and checks names and tags', () => {
    const keys = new RedisKeys('RedisSyncStore', 'p');
    assert.equal(keys.of('ns'), keys.of('ns'));
    assert.equal(keys.of('a:b c').base, 'p:{p:a:b c}', 'spaces and colons are fine inside the braces');
    assert.throws(() => keys.of('a}b'), invalid('namespace', "'a}b'"));
    assert.throws(
      () => keys.of('a\nb', 'lease name'),
      invalid('lease name', 'Invalid lease name passed to RedisSyncStore'),
    );
    assert.throws(() => keys.of(''), invalid('namespace', "''"));
    assert.equal(keys.tag('any {thing}'), 'any {thing}');
    assert.throws(() => keys.tag(''), invalid('tag', '@SyncTask'));
  });

  it('takes a key prefix without whitespace or braces, or the default', () => {
    assert.equal(validateKeyPrefix('S', undefined), DEFAULT_KEY_PREFIX);
    assert.equal(validateKeyPrefix('S', 'myapp:sync'), 'myapp:sync');
    for (const bad of ['my app', 'a{b', 'x}', '', 'tab\t', 5]) {
      assert.throws(() => validateKeyPrefix('S', bad), invalid('keyPrefix', 'Invalid S option "keyPrefix"'));
    }
  });
});
