import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets, redactUrl, secretsOf } from './redaction.util.js';

describe('redaction', () => {
  it('hides the password of a URL and keeps the rest', () => {
    assert.equal(redactUrl('redis://:s3cret@127.0.0.1:6379/0'), 'redis://:***@127.0.0.1:6379/0');
    assert.equal(redactUrl('rediss://user:s3cret@host:6380'), 'rediss://user:***@host:6380');
    assert.equal(redactUrl('postgres://app:pw@db:5432/app?ssl=true'), 'postgres://app:***@db:5432/app?ssl=true');
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379', 'nothing to hide');
    assert.equal(redactUrl('redis://user@host'), 'redis://user@host', 'a user name alone is not a secret');
  });

  it('hides a password holding an unencoded "@", "/" or ":"', () => {
    assert.equal(redactUrl('postgres://u:p@ss/w:rd@db/app'), 'postgres://u:***@db/app');
  });

  it('hides password= parameters, quoted or not', () => {
    assert.equal(redactUrl("host=db password='se cret' user=app"), 'host=db password=*** user=app');
    assert.equal(redactUrl('postgres://db/app?password=hunter2&x=1'), 'postgres://db/app?password=***&x=1');
  });

  it('lists a password as written and percent-decoded', () => {
    assert.deepEqual(secretsOf('redis://:p%40ss@host'), ['p%40ss', 'p@ss']);
    assert.deepEqual(secretsOf("host=db password='pw1'"), ['pw1']);
    assert.deepEqual(secretsOf('redis://host:6379'), []);
    assert.deepEqual(secretsOf(undefined), []);
    assert.deepEqual(secretsOf('redis://:bad%zz@host'), ['bad%zz'], 'a malformed escape stays as written');
  });

  it('scrubs every secret from a text, the longest first', () => {
    assert.equal(redactSecrets('auth p@ss failed (p%40ss)', ['p%40ss', 'p@ss']), 'auth *** failed (***)');
    assert.equal(redactSecrets('abc abcdef', ['abc', 'abcdef']), '*** ***');
    assert.equal(redactSecrets('left alone', ['', 'zzz']), 'left alone');
  });
});
