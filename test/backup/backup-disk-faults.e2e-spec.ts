/**
 * Writes that cannot succeed never reach readers or checks. Real failures, not mocks: as root, chmod does
 * not stop a write, so the read-only case mounts a read-only tmpfs of the test's own (EROFS) and the
 * full-disk case a 64 KiB tmpfs (ENOSPC); both skip loudly where mount is not allowed. A path under a
 * regular file (ENOTDIR) fails for any user.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { SyncService, type SyncTaskStatus } from '../../lib/index.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { waitFor } from '../support/wait-for.js';
import { compileSyncApp, listBackupDir, mountTmpfs, readBackup, tempDir } from './backup.helpers.js';

const noMount = mountTmpfs('size=4k');
noMount?.unmount();
const mountSkip = noMount ? false : 'this process may not mount a tmpfs (needs root): EROFS / ENOSPC cases skipped';
if (mountSkip) process.stderr.write(`\n!!! SKIPPING: ${mountSkip}\n\n`);

describe('backup writes that fail (read-only directory, full disk)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  /** Boots an app writing backups to `dir`, moves the source through versions 1..3, and returns what it saw. */
  async function runThrough(dir: string, items = 1) {
    const source = new VersionedSource();
    source.behaviour = (action) =>
      action === 'version'
        ? source.version
        : { version: source.version, items: Array(items).fill(`item-${source.version}`) };
    const { app, logs } = await compileSyncApp({ interval: 20, backup: { dir } }, [taskFor('t', source)]);
    cleanups.push(() => app.close());
    await app.init();
    const sync = app.get(SyncService);
    for (const version of [1, 2, 3]) {
      source.version = version;
      await waitFor(() => sync.getVersion('t') === version, 2_000, `version ${version} served`);
      await waitFor(() => (sync.status()[0].backup?.writeFailures ?? 0) >= version, 2_000, `write ${version} failed`);
    }
    return { source, sync, logs, status: (): SyncTaskStatus => sync.status()[0] };
  }

  function assertFailedQuietly(run: Awaited<ReturnType<typeof runThrough>>, code: RegExp) {
    const status = run.status();
    assert.equal(status.version, 3, 'checks went on');
    assert.equal(status.consecutiveFailures, 0, 'no check failed');
    assert.equal(status.origin, 'live');
    assert.ok(status.backup!.writeFailures >= 3, `${status.backup!.writeFailures} failures counted`);
    assert.match(status.backup!.lastError ?? '', code);
    assert.equal(run.logs.find('warn', 'could not write the backup').length, 1, 'logged once for the streak');
  }

  it('a path under a regular file (ENOTDIR): counted, logged once, reads and checks unaffected', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    writeFileSync(join(dir.path, 'file'), 'not a directory');
    assertFailedQuietly(await runThrough(join(dir.path, 'file', 'backups')), /ENOTDIR/);
  });

  it(
    'a read-only file system (EROFS, own tmpfs remounted ro): counted, logged once, unaffected',
    { skip: mountSkip },
    async () => {
      // The namespace directory exists (as after an earlier run); then the file system turns read-only.
      const mount = mountTmpfs('size=64k')!;
      cleanups.push(mount.unmount);
      mkdirSync(join(mount.path, 'default'));
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mount.path]).status, 0, 'remount read-only');
      assertFailedQuietly(await runThrough(mount.path), /EROFS/);
    },
  );

  it(
    'a full disk (ENOSPC, own 64 KiB tmpfs): counted, no temp file left, writes again once data fits',
    { skip: mountSkip },
    async () => {
      const mount = mountTmpfs('size=64k')!;
      cleanups.push(mount.unmount);
      const run = await runThrough(mount.path, 20_000); // ~200 KB of JSON per version
      assertFailedQuietly(run, /ENOSPC/);
      assert.deepEqual(
        listBackupDir(mount.path).filter((n) => n.endsWith('.tmp')),
        [],
        'failed temp files removed',
      );
      run.source.behaviour = (action) => (action === 'version' ? run.source.version : { small: run.source.version });
      run.source.version = 4;
      await waitFor(() => run.status().backup?.lastError === undefined, 2_000, 'a write that fits');
      assert.deepEqual(readBackup(mount.path, 't').data, { small: 4 });
      assert.equal(run.logs.find('log', 'the backup is written again').length, 1);
    },
  );
});
