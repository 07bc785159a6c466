import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RedisSyncLock } from '../../lib/backends/redis/index.js';
import { InvalidSyncOptionsError } from '../../lib/sync.errors.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { deleteKeys, testPrefix } from './redis-test.util.js';

const skip = await redisSkip();

describe('RedisSyncLock', { skip }, () => {
  const keyPrefix = testPrefix();
  const fresh = () => `lease-${randomUUID()}`;
  let lock: RedisSyncLock;

  before(() => {
    lock = new RedisSyncLock({ url: REDIS_URL, keyPrefix });
  });
  after(async () => {
    await lock?.close();
    await deleteKeys(REDIS_URL, keyPrefix);
  });

  it('reports holder, fence and the time left, for holders with colons too', async () => {
    const name = fresh();
    const lease = await lock.acquire(name, 'host:1234:abc', 5_000);
    assert.ok(lease);
    const current = await lock.current(name);
    assert.equal(current?.holder, 'host:1234:abc');
    assert.equal(current?.fence, lease.fence);
    assert.ok(
      current?.ttlLeft !== undefined && current.ttlLeft > 4_000 && current.ttlLeft <= 5_000,
      `ttlLeft ${current?.ttlLeft}`,
    );
    assert.equal(await lock.renew(lease, 20_000), true);
    assert.ok(((await lock.current(name))?.ttlLeft ?? 0) > 15_000);
  });

  it('burns no fence on a refused acquire: the next holder gets the next number', async () => {
    const name = fresh();
    const first = await lock.acquire(name, 'a', 5_000);
    assert.ok(first);
    for (let i = 0; i < 5; i++) assert.equal(await lock.acquire(name, `b${i}`, 5_000), undefined);
    assert.equal(await lock.release(first), true);
    const second = await lock.acquire(name, 'b', 5_000);
    assert.equal(second?.fence, first.fence + 1);
  });

  it('keeps the fence counter across expiry, so a fence is never reused', async () => {
    const name = fresh();
    const first = await lock.acquire(name, 'a', 50);
    assert.ok(first);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(await lock.current(name), undefined);
    assert.equal(await lock.release(first), false, 'an expired lease is not released');
    assert.equal((await lock.acquire(name, 'a', 5_000))?.fence, first.fence + 1);
  });

  it('rounds a fractional ttl up and refuses a bad ttl, holder or name, naming the value', async () => {
    const name = fresh();
    assert.ok(await lock.acquire(name, 'a', 0.5));
    await assert.rejects(lock.acquire(fresh(), 'a', 0), (error: unknown) => {
      assert.ok(error instanceof InvalidSyncOptionsError);
      assert.equal(error.option, 'ttl');
      assert.match(error.message, /got 0/);
      return true;
    });
    await assert.rejects(
      lock.acquire(fresh(), '', 1_000),
      (error: unknown) => error instanceof InvalidSyncOptionsError && /holder/.test(error.message),
    );
    await assert.rejects(
      lock.acquire('a}b', 'a', 1_000),
      (error: unknown) => error instanceof InvalidSyncOptionsError && /'a\}b'/.test(error.message),
    );
  });
});
