import { describe } from 'node:test';
import { PostgresSyncLock, PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { describeSyncLockContract, describeSyncStoreContract } from '../../lib/testing/index.js';
import { POSTGRES_URL, postgresSkip } from '../support/services.js';
import { usePostgres } from './postgres-test.helper.js';

const skip = await postgresSkip();

describe('PostgreSQL backends: conformance', { skip }, () => {
  const db = usePostgres();

  describeSyncStoreContract(
    'PostgresSyncStore (pool passed in)',
    () => new PostgresSyncStore({ pool: db.pool, schema: db.schema }),
  );
  describeSyncStoreContract(
    'PostgresSyncStore (connectionString)',
    () => new PostgresSyncStore({ connectionString: POSTGRES_URL, schema: db.schema }),
  );
  describeSyncLockContract(
    'PostgresSyncLock (pool passed in)',
    () => new PostgresSyncLock({ pool: db.pool, schema: db.schema }),
  );
  describeSyncLockContract(
    'PostgresSyncLock (connectionString)',
    () => new PostgresSyncLock({ connectionString: POSTGRES_URL, schema: db.schema }),
  );
});
