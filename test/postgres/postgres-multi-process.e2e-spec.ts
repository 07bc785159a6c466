import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describeMultiProcess } from '../support/multi-process.scenarios.js';
import { postgresSkip, POSTGRES_URL } from '../support/services.js';

const skip = await postgresSkip();
const schema = `vsync_mp_${randomBytes(5).toString('hex')}`;

describeMultiProcess('PostgreSQL', {
  env: { SYNC_POSTGRES_URL: POSTGRES_URL, SYNC_PG_SCHEMA: schema },
  skip,
  cleanup: async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  },
});
