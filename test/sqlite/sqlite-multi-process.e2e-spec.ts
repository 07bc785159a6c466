import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMultiProcess } from '../support/multi-process.scenarios.js';

// The scenarios every distributed backend passes, with separately forked processes (refresh forwarding
// included). 'close' and 'fence' run in sqlite-workers.scenarios.ts instead: SQLite answers without a round
// trip, so (1) app.close() finishes before instance.ts's 2 ms leader reporter fires, which then sends on the
// closed IPC channel and crashes the fixture, and (2) a paused leader's renewal fails before its async DATA
// wait resolves, so no late write is attempted; the worker scenarios pause a synchronous DATA instead.
const dir = mkdtempSync(join(tmpdir(), 'vsync-sqlite-mp-'));

describeMultiProcess('SQLite', {
  env: { SYNC_SQLITE_PATH: join(dir, 'sync.db') },
  only: ['propagation', 'kill', 'refresh'],
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
