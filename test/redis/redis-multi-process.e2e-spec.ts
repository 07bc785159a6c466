import { describeMultiProcess } from '../support/multi-process.scenarios.js';
import { redisSkip, REDIS_URL } from '../support/services.js';
import { deleteKeys, testPrefix } from './redis-test.util.js';

const skip = await redisSkip();
const prefix = testPrefix();

describeMultiProcess('Redis', {
  env: { SYNC_REDIS_URL: REDIS_URL, SYNC_KEY_PREFIX: prefix },
  skip,
  cleanup: () => deleteKeys(REDIS_URL, prefix),
});
