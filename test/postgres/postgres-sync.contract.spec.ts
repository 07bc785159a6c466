import { describe } from 'node:test';
import { PostgresSyncLock, PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { describeSyncLockContract, describeSyncStoreContract } from '../../lib/testing/index.js';
import { POSTGRES_URL, postgresSkip } from '../support/services.js';
import { usePostgres } from './postgres-test.helper.js';

const skip = await postgresSkip();

/** Nothing listens on port 1: connecting is refused at once, as with a server that is down. */
const UNREACHABLE = {
  connectionString: 'postgres://postgres:secret@127.0.0.1:1/test',
  connectTimeout: 1_000,
  queryTimeout: 1_000,
};
const faults = { unreachableWithin: 3_000 };

describe('PostgreSQL backends: conformance', { skip }, () => {
  const db = usePostgres();

  describeSyncStoreContract(
    'PostgresSyncStore (pool passed in)',
    () => new PostgresSyncStore({ pool: db.pool, schema: db.schema }),
    {
      ...faults,
      withSerializer: (serializer) => new PostgresSyncStore({ pool: db.pool, schema: db.schema, serializer }),
      withOptions: (wire) => new PostgresSyncStore({ pool: db.pool, schema: db.schema, ...wire }),
      unreachable: () => new PostgresSyncStore(UNREACHABLE),
      batches: true,
    },
  );
  describeSyncStoreContract(
    'PostgresSyncStore (connectionString)',
    () => new PostgresSyncStore({ connectionString: POSTGRES_URL, schema: db.schema }),
    {
      withSerializer: (serializer) =>
        new PostgresSyncStore({ connectionString: POSTGRES_URL, schema: db.schema, serializer }),
    },
  );
  describeSyncLockContract(
    'PostgresSyncLock (pool passed in)',
    () => new PostgresSyncLock({ pool: db.pool, schema: db.schema }),
    { ...faults, unreachable: () => new PostgresSyncLock(UNREACHABLE) },
  );
  describeSyncLockContract(
    'PostgresSyncLock (connectionString)',
    () => new PostgresSyncLock({ connectionString: POSTGRES_URL, schema: db.schema }),
  );
});
