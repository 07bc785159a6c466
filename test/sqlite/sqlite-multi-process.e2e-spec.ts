import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMultiProcess } from '../support/multi-process.scenarios.js';

// The scenarios every distributed backend passes, with separately forked processes (refresh forwarding
// included). 'fence' runs in sqlite-workers.scenarios.ts instead: SQLite answers without a round trip, so a
// paused leader's renewal fails before its async DATA wait resolves and no late write is attempted; the worker
// scenarios pause a synchronous DATA instead, which resumes straight into the write the fence must refuse.
const dir = mkdtempSync(join(tmpdir(), 'vsync-sqlite-mp-'));

describeMultiProcess('SQLite', {
  env: { SYNC_SQLITE_PATH: join(dir, 'sync.db') },
  only: ['propagation', 'kill', 'close', 'refresh'],
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
