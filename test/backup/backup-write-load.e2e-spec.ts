import 'reflect-metadata';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { SyncHealthIndicator, SyncService, type SyncModuleOptions, type SyncSnapshot } from '../../lib/index.js';
import { SyncReplicaState } from '../../lib/engine/replica.state.js';
import { SyncBackupWriter } from '../../lib/engine/backup/backup.writer.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { waitFor } from '../support/wait-for.js';
import { backupPath, compileSyncApp, listBackupDir, readBackup, tempDir, writeBackup } from './backup.helpers.js';

type Health = {
  status: string;
  reason?: string;
  tasks: Record<string, { ok: boolean; origin?: string; stalenessMs?: number }>;
};

describe('backups on local disk (in-memory store)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  async function boot(dir: string, source: VersionedSource, extra: Partial<SyncModuleOptions> = {}, tags = ['t']) {
    const booted = await compileSyncApp(
      { interval: 50, backup: { dir }, ...extra },
      tags.map((tag) => taskFor(tag, source)),
    );
    const changes: SyncSnapshot[] = [];
    booted.app
      .get(SyncService)
      .changes()
      .subscribe((s) => changes.push(s));
    cleanups.push(() => booted.app.close());
    const started = Date.now();
    await booted.app.init();
    const sync = booted.app.get(SyncService);
    return {
      ...booted,
      sync,
      changes,
      initMs: Date.now() - started,
      state: booted.app.get(SyncReplicaState),
      writer: booted.app.get(SyncBackupWriter),
    };
  }

  const failing = (source: VersionedSource) => {
    source.behaviour = () => {
      throw new Error('source down');
    };
    return source;
  };

  it('writes each installed snapshot, serves it at the next start before any check, and lets live data supersede it', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const first = await boot(dir.path, new VersionedSource());
    await first.sync.whenReady(undefined, { timeout: 2_000 });
    await waitFor(() => first.sync.status()[0].backup?.savedAt, 2_000, 'the first backup written');
    const saved = readBackup(dir.path, 't');
    assert.equal(saved.meta.version, 1);
    assert.deepEqual(saved.data, { version: 1, items: ['item-1'] });
    assert.equal(listBackupDir(dir.path).filter((n) => n.endsWith('.tmp')).length, 0, 'no temp file left');
    await first.app.close();

    // Second start: the source fails, so only the backup can give data.
    const source = failing(new VersionedSource());
    const second = await boot(dir.path, source);
    assert.deepEqual(second.sync.getData('t'), { version: 1, items: ['item-1'] }, 'served right after init');
    const [status] = second.sync.status();
    assert.equal(status.origin, 'backup');
    assert.ok(status.ageMs !== undefined && status.ageMs >= 0 && status.ageMs < 60_000, `age ${status.ageMs}`);
    assert.ok(second.logs.find('log', backupPath(dir.path, 't')).length, 'the load is logged with the file');
    const health = second.app.get(SyncHealthIndicator);
    const strict = (await health.isHealthy()).sync as unknown as Health;
    assert.equal(strict.status, 'down', 'backup data is not healthy by default');
    assert.equal(strict.tasks.t.origin, 'backup');
    const lenient = (await health.isHealthy('sync', { acceptBackup: true, maxStaleness: 60_000 }))
      .sync as unknown as Health;
    assert.equal(lenient.status, 'up');
    assert.equal(lenient.tasks.t.origin, 'backup');

    // The source comes back with a newer version: live data supersedes the backup, which is rewritten.
    source.version = 2;
    source.behaviour = (action) =>
      action === 'version' ? source.version : { version: source.version, items: ['item-2'] };
    await waitFor(() => second.sync.getVersion('t') === 2, 2_000, 'live version 2');
    assert.equal(second.sync.status()[0].origin, 'live');
    await waitFor(() => readBackup(dir.path, 't').meta.version === 2, 2_000, 'backup of version 2');
    assert.deepEqual(
      second.changes.map((c) => c.version),
      [1, 2],
    );
  });

  it('marks an equal live version live without a second change event, and never lets a backup replace live data', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    writeBackup(dir.path, 't', { version: 1, data: { version: 1, items: ['item-1'] } });
    const booted = await boot(dir.path, new VersionedSource());
    await waitFor(() => booted.sync.status()[0].origin === 'live', 2_000, 'the live check of version 1');
    assert.deepEqual(
      booted.changes.map((c) => c.version),
      [1],
      'one change: the backup install',
    );
    const installed = booted.state.installBackup('t', {
      version: 0,
      data: { stale: true },
      modifiedAt: 0,
      checkedAt: 0,
    });
    assert.equal(installed, false);
    assert.equal(booted.sync.getVersion('t'), 1);
    assert.equal(booted.sync.status()[0].origin, 'live');
  });

  it('coalesces a burst: one write for 100 installs in one step, and few for a spread burst, the newest last', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const booted = await boot(dir.path, new VersionedSource(), { interval: 60_000 });
    await booted.sync.whenReady();
    await waitFor(() => booted.writer.written === 1, 2_000, 'the first write');
    const record = (revision: number) => ({
      version: revision,
      data: { revision },
      modifiedAt: Date.now(),
      checkedAt: Date.now(),
      fence: 1,
      revision: 1_000 + revision,
    });
    for (let i = 1; i <= 100; i++) booted.state.install('t', record(i));
    await waitFor(() => readBackup(dir.path, 't').meta.version === 100, 2_000, 'version 100 on disk');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(booted.writer.written, 2, 'one write for the synchronous burst');
    for (let i = 101; i <= 200; i++) {
      booted.state.install('t', record(i));
      await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor(() => readBackup(dir.path, 't').meta.version === 200, 2_000, 'version 200 on disk');
    const spread = booted.writer.written - 2;
    assert.ok(spread < 100, `${spread} writes for 100 installs 1 ms apart`);
    assert.equal(booted.sync.status()[0].backup?.writeFailures, 0);
  });

  it('skips a backup older than maxAge, and loads one younger, naming the file', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const file = writeBackup(dir.path, 't', { version: 7, data: { v: 7 }, checkedAt: Date.now() - 10_000 });
    const old = await boot(dir.path, failing(new VersionedSource()), { backup: { dir: dir.path, maxAge: 5_000 } });
    assert.equal(old.sync.getData('t'), undefined);
    const [warning] = old.logs.find('warn', file);
    assert.match(warning?.message ?? '', /more than backup\.maxAge \(5000 ms\)/);
    await old.app.close();
    const young = await boot(dir.path, failing(new VersionedSource()), { backup: { dir: dir.path, maxAge: 60_000 } });
    assert.deepEqual(young.sync.getData('t'), { v: 7 });
  });

  it('boots past corrupted, truncated, foreign and misplaced files with a warning naming each, never a crash', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const tags = ['flip', 'cut', 'foreign', 'misplaced', 'empty', 'fine'];
    const files = Object.fromEntries(
      tags.map((tag) => [tag, writeBackup(dir.path, tag, { version: 1, data: { tag } })]),
    );
    const { readFileSync } = await import('node:fs');
    const flipped = readFileSync(files.flip);
    flipped[flipped.length - 3] ^= 0x01;
    writeFileSync(files.flip, flipped);
    writeFileSync(files.cut, readFileSync(files.cut).subarray(0, 40));
    writeFileSync(files.foreign, '{"version":1,"data":{}}');
    writeFileSync(files.misplaced, readFileSync(files.fine)); // the file of another tag
    writeFileSync(files.empty, '');
    const booted = await boot(dir.path, failing(new VersionedSource()), {}, tags);
    for (const tag of tags.slice(0, -1)) {
      assert.equal(booted.sync.getData(tag), undefined, tag);
      assert.equal(booted.logs.find('warn', files[tag]).length, 1, `one warning naming ${files[tag]}`);
    }
    assert.deepEqual(booted.sync.getData('fine'), { tag: 'fine' });
  });
});
