import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BACKUP_MAGIC, type SyncBackupMeta } from './backup.format.js';

/** Temp files older than this are leftovers of a process that died mid-write. */
const STALE_TEMP_MS = 10 * 60_000;

/**
 * Replaces `file` with `bytes` so that a reader (or a crash) sees the old file or the new one, never a
 * mix: write a temp file in the same directory, fsync it, rename it over `file`, then fsync the
 * directory so the rename itself is on disk. The temp file is removed when any step fails.
 */
export async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  const directory = await open(dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * The metadata of an existing backup file, read from its first few KB without verifying the checksum:
 * only used to avoid replacing a newer file another process of the same host wrote. Undefined when
 * there is no file or it cannot be read.
 */
export async function peekBackupMeta(file: string): Promise<SyncBackupMeta | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const [magic, meta] = text.split('\n', 2);
    if (!magic.startsWith(`${BACKUP_MAGIC}/`) || meta === undefined) return undefined;
    return JSON.parse(meta) as SyncBackupMeta;
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Removes temp files that a process which died mid-write left in `dir` (best effort). */
export async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const before = Date.now() - STALE_TEMP_MS;
  for (const name of names.filter((n) => n.endsWith('.tmp'))) {
    const path = join(dir, basename(name));
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < before) await rm(path, { force: true }).catch(() => undefined);
  }
}
