import { describe } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteSyncLock, SqliteSyncStore } from '../../lib/backends/sqlite/index.js';
import { describeSyncLockContract, describeSyncStoreContract } from '../../lib/testing/index.js';
import { useTempDir } from './sqlite-test.helper.js';

describe('SQLite backends: conformance', () => {
  const temp = useTempDir();
  const shared = temp.file('shared.sqlite');

  describeSyncStoreContract('SqliteSyncStore (path)', () => new SqliteSyncStore({ path: shared }));
  describeSyncStoreContract('SqliteSyncStore (database passed in)', () => {
    return new SqliteSyncStore({ database: new Database(temp.file()) });
  });
  describeSyncStoreContract(
    'SqliteSyncStore (timer only, no watch)',
    () => new SqliteSyncStore({ path: shared, watch: false, pollInterval: 10 }),
  );
  describeSyncLockContract('SqliteSyncLock (path)', () => new SqliteSyncLock({ path: shared }));
  describeSyncLockContract('SqliteSyncLock (database passed in)', () => {
    return new SqliteSyncLock({ database: new Database(temp.file()) });
  });
});
