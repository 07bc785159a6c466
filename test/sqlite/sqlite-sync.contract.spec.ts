import { after, describe } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteSyncLock, SqliteSyncStore } from '../../lib/backends/sqlite/index.js';
import {
  describeSyncHeartbeatContract,
  describeSyncLockContract,
  describeSyncStoreContract,
} from '../../lib/testing/index.js';
import { useTempDir } from './sqlite-test.helper.js';

describe('SQLite backends: conformance', () => {
  const temp = useTempDir();
  const shared = temp.file('shared.sqlite');
  /** A file whose directory does not exist: SQLite's "server down" is a file it cannot open, and that fails at once. */
  const unreachable = { path: temp.file('missing-dir/sync.sqlite') };
  const faults = { unreachableWithin: 1_000 };
  /** Databases passed in are the app's to close, not the backend's. */
  const opened: Database.Database[] = [];
  const database = () => {
    const db = new Database(temp.file());
    opened.push(db);
    return db;
  };
  after(() => opened.forEach((db) => db.close()));

  describeSyncStoreContract('SqliteSyncStore (path)', () => new SqliteSyncStore({ path: shared }), {
    ...faults,
    withSerializer: (serializer) => new SqliteSyncStore({ path: shared, serializer }),
    withOptions: (wire) => new SqliteSyncStore({ path: shared, ...wire }),
    unreachable: () => new SqliteSyncStore(unreachable),
    batches: true,
  });
  // The fault cases compare the serializer store's writes with the store under test: one database for both.
  const storeDb = database();
  describeSyncStoreContract('SqliteSyncStore (database passed in)', () => new SqliteSyncStore({ database: storeDb }), {
    withSerializer: (serializer) => new SqliteSyncStore({ database: storeDb, serializer }),
  });
  describeSyncStoreContract(
    'SqliteSyncStore (timer only, no watch)',
    () => new SqliteSyncStore({ path: shared, watch: false, pollInterval: 10 }),
  );
  describeSyncHeartbeatContract('SqliteSyncStore (path)', () => new SqliteSyncStore({ path: shared }), {
    renews: true,
  });
  describeSyncLockContract('SqliteSyncLock (path)', () => new SqliteSyncLock({ path: shared }), {
    ...faults,
    unreachable: () => new SqliteSyncLock(unreachable),
  });
  describeSyncLockContract('SqliteSyncLock (database passed in)', () => new SqliteSyncLock({ database: database() }));
});
