import { after, describe } from 'node:test';
import { Redis } from 'ioredis';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { describeSyncLockContract, describeSyncStoreContract } from '../../lib/testing/index.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { deleteKeys, testPrefix } from './redis-test.util.js';

const skip = await redisSkip();

describe('Redis backend conformance', { skip }, () => {
  const keyPrefix = testPrefix();
  const clients: Redis[] = [];
  const client = () => {
    const redis = new Redis(REDIS_URL);
    clients.push(redis);
    return redis;
  };

  after(async () => {
    await Promise.all(clients.map((redis) => redis.quit()));
    await deleteKeys(REDIS_URL, keyPrefix);
  });

  describeSyncStoreContract('RedisSyncStore (url)', () => new RedisSyncStore({ url: REDIS_URL, keyPrefix }));
  describeSyncStoreContract(
    'RedisSyncStore (client passed in)',
    () => new RedisSyncStore({ client: client(), keyPrefix }),
  );
  describeSyncLockContract('RedisSyncLock (url)', () => new RedisSyncLock({ url: REDIS_URL, keyPrefix }));
  describeSyncLockContract(
    'RedisSyncLock (client passed in)',
    () => new RedisSyncLock({ client: client(), keyPrefix }),
  );
});
