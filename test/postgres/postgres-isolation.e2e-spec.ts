import { randomBytes } from 'node:crypto';
import { PostgresSyncLock, PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { describeIsolation } from '../support/isolation.scenarios.js';
import { POSTGRES_URL, postgresSkip } from '../support/services.js';
import { dropSchema } from './postgres-test.helper.js';

const skip = await postgresSkip();
// A mixed-case schema and reserved-word tables: only quoted identifiers work with these.
const schema = `Iso_${randomBytes(4).toString('hex')}`;
const options = { connectionString: POSTGRES_URL, schema };

describeIsolation('PostgreSQL, schema and tables named like keywords', {
  backend: () => ({
    store: new PostgresSyncStore({ ...options, table: 'select' }),
    lock: new PostgresSyncLock({ ...options, table: 'order' }),
  }),
  skip,
  cleanup: () => dropSchema(schema),
});
