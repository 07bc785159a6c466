import { randomBytes } from 'node:crypto';
import { POSTGRES_URL, postgresSkip } from '../support/services.js';
import { dropSchema } from '../postgres/postgres-test.helper.js';
import { describeFleet } from './fleet.scenarios.js';

const schema = `vsync_fleet_${randomBytes(5).toString('hex')}`;
describeFleet('PostgreSQL', {
  env: { SYNC_POSTGRES_URL: POSTGRES_URL, SYNC_PG_SCHEMA: schema },
  skip: await postgresSkip(),
  cleanup: () => dropSchema(schema),
});
