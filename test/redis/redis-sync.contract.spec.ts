import { after, describe } from 'node:test';
import { Redis } from 'ioredis';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { describeSyncLockContract, describeSyncStoreContract } from '../../lib/testing/index.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { deleteKeys, testPrefix } from './redis-test.util.js';

const skip = await redisSkip();

/** Nothing listens on port 1: connecting is refused at once, as with a server that is down. */
const UNREACHABLE = { url: 'redis://:secret@127.0.0.1:1', timeout: 1_000 };
const faults = { unreachableWithin: 3_000 };

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

  describeSyncStoreContract('RedisSyncStore (url)', () => new RedisSyncStore({ url: REDIS_URL, keyPrefix }), {
    ...faults,
    withSerializer: (serializer) => new RedisSyncStore({ url: REDIS_URL, keyPrefix, serializer }),
    withOptions: (wire) => new RedisSyncStore({ url: REDIS_URL, keyPrefix, ...wire }),
    unreachable: () => new RedisSyncStore(UNREACHABLE),
    batches: true,
  });
  describeSyncStoreContract(
    'RedisSyncStore (client passed in)',
    () => new RedisSyncStore({ client: client(), keyPrefix }),
    { withSerializer: (serializer) => new RedisSyncStore({ client: client(), keyPrefix, serializer }) },
  );
  describeSyncLockContract('RedisSyncLock (url)', () => new RedisSyncLock({ url: REDIS_URL, keyPrefix }), {
    ...faults,
    unreachable: () => new RedisSyncLock(UNREACHABLE),
  });
  describeSyncLockContract(
    'RedisSyncLock (client passed in)',
    () => new RedisSyncLock({ client: client(), keyPrefix }),
  );
});
