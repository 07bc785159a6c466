import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSyncOptionsError, SyncConnectionError } from '../../lib/index.js';
import { isStoreOutage } from '../../lib/engine/backup/backup.rejoin.js';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isStoreOutage: which bootstrap failures a backup may ride out', () => {
  it('treats a server that does not answer as an outage', () => {
    for (const cause of [
      coded('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
      coded('read ETIMEDOUT', 'ETIMEDOUT'),
    ]) {
      assert.equal(isStoreOutage(new SyncConnectionError('could not connect', { cause })), true, cause.message);
    }
    assert.equal(isStoreOutage(new SyncConnectionError('no answer within 500 ms')), true);
    assert.equal(isStoreOutage(coded('connect EHOSTUNREACH', 'EHOSTUNREACH')), true, 'a custom store with a raw error');
  });

  it('does not excuse bad credentials, missing objects, bad options or bugs', () => {
    const wrong = [
      new SyncConnectionError('x', {
        cause: new Error('WRONGPASS invalid username-password pair or user is disabled.'),
      }),
      new SyncConnectionError('x', { cause: new Error('NOAUTH Authentication required.') }),
      new SyncConnectionError('x', { cause: coded('password authentication failed for user "app"', '28P01') }),
      new SyncConnectionError('x', { cause: coded('database "nope" does not exist', '3D000') }),
      new SyncConnectionError('x', { cause: coded('permission denied for schema sync', '42501') }),
      new InvalidSyncOptionsError('bad', 'url', 'x'),
      new TypeError('cannot read properties of undefined'),
    ];
    for (const error of wrong) assert.equal(isStoreOutage(error), false, String(error.cause ?? error.message));
  });
});
