import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { SyncHeartbeat } from '../../lib/backend/index.js';
import { SqliteSyncStore } from '../../lib/backends/sqlite/index.js';
import { useTempDir } from './sqlite-test.helper.js';

const beat = (instance: string): SyncHeartbeat => ({
  instance,
  host: 'h',
  pid: 1,
  startedAt: 0,
  at: Date.now(),
  leader: false,
  tasks: {},
});

describe('SqliteSyncStore heartbeats: the table', () => {
  const temp = useTempDir();

  it('deletes the rows of processes that died without leaving, so the table does not grow with restarts', async () => {
    const path = temp.file();
    const dying = new SqliteSyncStore({ path });
    await dying.heartbeat('ns', beat('dead-1'), 50);
    await dying.heartbeat('other', beat('dead-2'), 50);
    await dying.close();
    await sleep(120);
    const live = new SqliteSyncStore({ path });
    await live.heartbeat('ns', beat('alive'), 5_000);
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare('SELECT namespace, instance FROM sync_instances ORDER BY instance').all();
      assert.deepEqual(rows, [{ namespace: 'ns', instance: 'alive' }]);
    } finally {
      db.close();
      await live.close();
    }
  });
});
