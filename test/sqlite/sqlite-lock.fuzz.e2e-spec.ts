import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '../support/wait-for.js';
import { useTempDir } from './sqlite-test.helper.js';

const CONTENDER = fileURLToPath(new URL('./fixtures/sqlite-lock.contender.js', import.meta.url));
const PROCESSES = 6;
const FUZZ_MS = 3_000;

describe('SqliteSyncLock: concurrent acquirers in several processes (fuzz)', () => {
  const temp = useTempDir();

  it(`never gives two holders at once and never repeats a fence, ${PROCESSES} processes for ${FUZZ_MS} ms`, async (t) => {
    const env = {
      ...process.env,
      DB_PATH: temp.file('fuzz.sqlite'),
      LEASE: 'fuzz',
      HELD_FILE: join(temp.dir, 'held'),
      READY_DIR: temp.dir,
      GO_FILE: join(temp.dir, 'go'),
    };
    const running = Array.from({ length: PROCESSES }, () =>
      promisify(execFile)(process.execPath, [CONTENDER], { env }),
    );
    // Every contender starts together, however long each took to boot.
    await waitFor(
      () => readdirSync(temp.dir).filter((f) => f.startsWith('ready-')).length === PROCESSES,
      30_000,
      'contenders ready',
    );
    writeFileSync(env.GO_FILE, String(Date.now() + FUZZ_MS));
    const runs = await Promise.all(running);
    const results = runs.map(
      (run) => JSON.parse(run.stdout) as { pid: number; fences: number[]; overlaps: number; failures: number },
    );
    const fences = results.flatMap((r) => r.fences);
    t.diagnostic(`acquisitions per process: ${results.map((r) => r.fences.length).join(', ')}`);
    assert.equal(
      results.reduce((sum, r) => sum + r.overlaps, 0),
      0,
      'two processes held the lease at once',
    );
    assert.equal(
      results.reduce((sum, r) => sum + r.failures, 0),
      0,
      'a holder could not renew or release',
    );
    assert.equal(new Set(fences).size, fences.length, 'a fence was handed out twice');
    assert.ok(results.filter((r) => r.fences.length > 0).length >= 2, 'fewer than two processes ever acquired');
    assert.ok(fences.length >= 20, `only ${fences.length} acquisitions`);
    for (const { fences: own } of results) {
      assert.deepEqual(
        own,
        [...own].sort((a, b) => a - b),
        'fences of one process went down',
      );
    }
    assert.deepEqual(
      [...fences].sort((a, b) => a - b),
      Array.from({ length: fences.length }, (_, i) => i + 1),
    );
  });
});
