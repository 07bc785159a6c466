import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFleet } from './fleet.scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'vsync-fleet-sqlite-'));
describeFleet('SQLite', {
  env: { SYNC_SQLITE_PATH: join(dir, 'sync.sqlite') },
  skip: false,
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
