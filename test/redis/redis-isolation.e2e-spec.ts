import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { describeIsolation } from '../support/isolation.scenarios.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { deleteKeys, testPrefix } from './redis-test.util.js';

const skip = await redisSkip();
const keyPrefix = testPrefix();

describeIsolation('Redis', {
  backend: () => ({
    store: new RedisSyncStore({ url: REDIS_URL, keyPrefix }),
    lock: new RedisSyncLock({ url: REDIS_URL, keyPrefix }),
  }),
  skip,
  cleanup: () => deleteKeys(REDIS_URL, keyPrefix),
});
