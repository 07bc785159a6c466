import { REDIS_URL, redisSkip } from '../support/services.js';
import { deleteKeys, testPrefix } from '../redis/redis-test.util.js';
import { describeFleet } from './fleet.scenarios.js';

const prefix = testPrefix();
describeFleet('Redis', {
  env: { SYNC_REDIS_URL: REDIS_URL, SYNC_KEY_PREFIX: prefix },
  skip: await redisSkip(),
  cleanup: () => deleteKeys(REDIS_URL, prefix),
});
