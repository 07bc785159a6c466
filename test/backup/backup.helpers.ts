/**
 * Helpers of the backup suites: a temp directory per test, an app compiled but not yet initialised (so a
 * test can subscribe or start a clock before `app.init()`), a tmpfs of the test's own (read-only or tiny),
 * and direct access to the backup files.
 */
import 'reflect-metadata';
import type { INestApplication, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncModule, type SyncModuleOptions } from '../../lib/index.js';
import { backupFileName, decodeBackup, encodeBackup } from '../../lib/engine/backup/backup.format.js';
import type { SyncVersion } from '../../lib/backend/sync-version.js';
import { CaptureLogger } from '../support/capture.logger.js';

/** A fresh directory under the OS temp dir; `remove()` deletes it. */
export function tempDir(prefix = 'vsync-backup-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** An app with `SyncModule.forRoot(options)` and `providers`, compiled, not initialised. */
export async function compileSyncApp(
  options: SyncModuleOptions,
  providers: Provider[],
): Promise<{ app: INestApplication; logs: CaptureLogger }> {
  const logs = new CaptureLogger();
  const moduleRef = await Test.createTestingModule({ imports: [SyncModule.forRoot(options)], providers })
    .setLogger(logs)
    .compile();
  return { app: moduleRef.createNestApplication({ logger: logs }), logs };
}

/** The backup file of `tag` in namespace `name` under `dir`. */
export const backupPath = (dir: string, tag: string, name = 'default') => join(dir, name, backupFileName(tag));

/** Reads and verifies a backup file (throws like the loader would refuse it). */
export function readBackup(dir: string, tag: string, name = 'default') {
  return decodeBackup(readFileSync(backupPath(dir, tag, name)), name, tag);
}

/** Writes a valid backup file directly, e.g. one with an old check time. */
export function writeBackup(
  dir: string,
  tag: string,
  snapshot: { version: SyncVersion; data: unknown; checkedAt?: number; modifiedAt?: number },
  name = 'default',
): string {
  const file = backupPath(dir, tag, name);
  mkdirSync(join(dir, name), { recursive: true });
  const now = Date.now();
  const meta = {
    namespace: name,
    tag,
    version: snapshot.version,
    modifiedAt: snapshot.modifiedAt ?? now,
    checkedAt: snapshot.checkedAt ?? now,
    savedAt: now,
  };
  writeFileSync(file, encodeBackup(meta, Buffer.from(JSON.stringify(snapshot.data))));
  return file;
}

/** Names of the files in `dir/name` (temp files included). */
export const listBackupDir = (dir: string, name = 'default') => readdirSync(join(dir, name));

/**
 * Mounts a tmpfs of the test's own at a fresh directory (`options` as for `mount -o`, e.g. `ro,size=64k`);
 * undefined when this process may not mount (not root, or no mount in the container): the caller skips.
 */
export function mountTmpfs(options: string): { path: string; unmount(): void } | undefined {
  const dir = tempDir('vsync-backup-mnt-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir.path], { stdio: 'ignore' });
  if (mounted.status !== 0) {
    dir.remove();
    return undefined;
  }
  return {
    path: dir.path,
    unmount: () => {
      spawnSync('umount', [dir.path], { stdio: 'ignore' });
      dir.remove();
    },
  };
}
