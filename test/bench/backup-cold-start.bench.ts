/**
 * Cold start from a backup with the store and the source both unreachable (a Redis URL on a closed
 * port, a source that throws): `app.init()` → the first `getData` answer, for a 1 MB and a 10 MB
 * snapshot, beside the same start without a backup — which has no answer at all until the store returns:
 * without the `backup` option the bootstrap fails; with it but no file, getData stays undefined (shown
 * by waiting a bounded time).
 */
import { performance } from 'node:perf_hooks';
import { SyncService, type SyncModuleOptions } from '../../lib/index.js';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { compileSyncApp, tempDir, writeBackup } from '../backup/backup.helpers.js';
import { freePort } from '../support/free-port.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { type BenchOptions, type BenchResult, cell, ms, sleep, spread } from './bench.util.js';

const TARGETS: Record<string, number> = { '1 MB': 100, '10 MB': 500 };
const SIZES: [string, number][] = [
  ['1 MB', 1 << 20],
  ['10 MB', 10 << 20],
];

/** JSON data of about `bytes` bytes: price-list-like rows. */
function dataOf(bytes: number) {
  const row = (i: number) => ({
    id: i,
    sku: `SKU-${i.toString(36).padStart(8, '0')}`,
    price: i * 1.25,
    tags: ['a', 'b'],
  });
  const perRow = JSON.stringify(row(100_000)).length + 1;
  return { rows: Array.from({ length: Math.ceil(bytes / perRow) }, (_, i) => row(i)) };
}

const failingSource = () => {
  const source = new VersionedSource();
  source.behaviour = () => {
    throw new Error('source unreachable');
  };
  return source;
};

async function options(dir: string | undefined): Promise<SyncModuleOptions> {
  const backend = { url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: 'vsync-bench-backup', timeout: 1_000 };
  const base = { interval: 1_000, store: new RedisSyncStore(backend), lock: new RedisSyncLock(backend) };
  return dir ? { ...base, backup: { dir } } : base;
}

/** One cold start: ms from app.init() to init resolved and to the first defined getData answer. */
async function coldStart(dir: string): Promise<{ init: number; answer: number }> {
  const { app } = await compileSyncApp(await options(dir), [taskFor('t', failingSource())]);
  try {
    const start = performance.now();
    await app.init();
    const init = performance.now() - start;
    const sync = app.get(SyncService);
    while (sync.getData('t') === undefined) await sleep(1);
    return { init, answer: performance.now() - start };
  } finally {
    await app.close();
  }
}

export async function backupColdStart({ quick, log }: BenchOptions): Promise<BenchResult> {
  const trials = quick ? 3 : 10;
  const dir = tempDir('vsync-bench-backup-');
  const rows: string[][] = [];
  const targets: BenchResult['targets'] = [];
  const data: Record<string, unknown> = {};
  try {
    for (const [label, bytes] of SIZES) {
      const file = writeBackup(dir.path, 't', { version: 42, data: dataOf(bytes) });
      const size = (await import('node:fs')).statSync(file).size;
      const runs: { init: number; answer: number }[] = [];
      for (let i = 0; i < trials; i++) {
        runs.push(await coldStart(dir.path));
        log(`backup-cold-start: ${label} trial ${i + 1}/${trials}: ${runs.at(-1)!.answer.toFixed(1)} ms`);
      }
      const answer = spread(runs.map((r) => r.answer));
      rows.push([
        `backup of ${label} (file ${(size / 1048576).toFixed(2)} MiB)`,
        cell(spread(runs.map((r) => r.init)), ms),
        cell(answer, ms),
      ]);
      targets.push({
        what: `cold start from a ${label} backup, store and source unreachable: app.init() → first getData`,
        target: `≤ ${TARGETS[label]} ms`,
        measured: ms(answer.median),
        met: answer.median <= TARGETS[label],
        note: `median of ${trials}; max ${ms(answer.max)}`,
      });
      data[label] = { bytes: size, runs };
    }
    // Without a backup: the bootstrap fails, or (backup on, no file) nothing to serve.
    const { app } = await compileSyncApp(await options(undefined), [taskFor('t', failingSource())]);
    const start = performance.now();
    const failure = await app.init().then(
      () => 'started?!',
      (error: Error) => error.name,
    );
    const failedAfter = performance.now() - start;
    await app.close().catch(() => undefined);
    rows.push(['no backup option', `rejects with ${failure} after ${ms(failedAfter)}`, 'never (no app)']);
    const empty = tempDir('vsync-bench-backup-empty-');
    try {
      const wait = quick ? 2_000 : 5_000;
      const booted = await compileSyncApp(await options(empty.path), [taskFor('t', failingSource())]);
      const t0 = performance.now();
      await booted.app.init();
      const init = performance.now() - t0;
      const sync = booted.app.get(SyncService);
      while (sync.getData('t') === undefined && performance.now() - t0 < wait) await sleep(5);
      const answered = sync.getData('t') !== undefined;
      await booted.app.close();
      rows.push([
        'backup option, no file yet',
        ms(init),
        answered ? 'answered?!' : `none within ${wait / 1000} s (never, until the store returns)`,
      ]);
      data.withoutBackup = { failure, failedAfter, init, waited: wait, answered };
    } finally {
      empty.remove();
    }
  } finally {
    dir.remove();
  }
  return {
    tables: [
      {
        title: `Cold start with the store (Redis, closed port) and the source unreachable, ${trials} trials`,
        columns: ['case', 'app.init()', 'app.init() → first getData answer'],
        rows,
      },
    ],
    targets,
    data,
  };
}
