import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { MemorySyncStore } from '../../lib/index.js';
import { PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { RedisSyncStore } from '../../lib/backends/redis/index.js';
import { describeSyncHeartbeatContract } from '../../lib/testing/index.js';
import { POSTGRES_URL, REDIS_URL, postgresSkip, redisSkip } from '../support/services.js';
import { deleteKeys, testPrefix } from '../redis/redis-test.util.js';

const prefix = testPrefix();
const schema = `vsync_hb_${randomBytes(5).toString('hex')}`;

describeSyncHeartbeatContract('MemorySyncStore', () => new MemorySyncStore(), { renews: true });
if (!(await redisSkip())) {
  describeSyncHeartbeatContract('RedisSyncStore', () => new RedisSyncStore({ url: REDIS_URL, keyPrefix: prefix }), {
    renews: true,
  });
}
if (!(await postgresSkip())) {
  describeSyncHeartbeatContract(
    'PostgresSyncStore',
    () => new PostgresSyncStore({ connectionString: POSTGRES_URL, schema }),
    { renews: true },
  );
}

after(async () => {
  await deleteKeys(REDIS_URL, prefix).catch(() => undefined);
  const pool = new pg.Pool({ connectionString: POSTGRES_URL });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await pool.end();
});
