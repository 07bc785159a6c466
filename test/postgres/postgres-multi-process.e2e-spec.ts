import { randomBytes } from 'node:crypto';
import { describeMultiProcess } from '../support/multi-process.scenarios.js';
import { postgresSkip, POSTGRES_URL } from '../support/services.js';
import { dropSchema } from './postgres-test.helper.js';

const skip = await postgresSkip();
const schema = `vsync_mp_${randomBytes(5).toString('hex')}`;

describeMultiProcess('PostgreSQL', {
  env: { SYNC_POSTGRES_URL: POSTGRES_URL, SYNC_PG_SCHEMA: schema },
  skip,
  cleanup: () => dropSchema(schema),
});
