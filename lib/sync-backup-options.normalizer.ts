import { isAbsolute, resolve } from 'node:path';
import { InvalidSyncOptionsError } from './sync.errors.js';
import { INVALID_OPTION } from './sync.messages.js';
import type { NormalizedBackupOptions, SyncBackupOptions } from './interfaces/sync-options.interface.js';

const KNOWN = ['dir', 'maxAge'];

function fail(option: string, value: unknown, fix: string): never {
  throw new InvalidSyncOptionsError(INVALID_OPTION(option, value, fix), option, value);
}

/**
 * Validates `backup: { dir, maxAge? }` (undefined = no backups). `dir` is resolved against the working
 * directory now, so a later `process.chdir()` cannot move the files.
 * @throws InvalidSyncOptionsError naming `backup`, `backup.dir` or `backup.maxAge`.
 */
export function normalizeBackupOptions(value: unknown, name: string): NormalizedBackupOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('backup', value, 'Pass { dir: "/var/lib/myapp/sync" } (and optionally maxAge in ms), or leave it out.');
  }
  const options = value as SyncBackupOptions;
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      fail(
        `backup.${key}`,
        (options as unknown as Record<string, unknown>)[key],
        `Unknown option; known ones are ${KNOWN.join(', ')}.`,
      );
    }
  }
  const { dir, maxAge = Infinity } = options;
  if (typeof dir !== 'string' || dir.trim() === '' || dir.includes('\0')) {
    fail(
      'backup.dir',
      dir,
      'Use the path of a directory this process may write, e.g. backup: { dir: "/var/lib/myapp/sync" }.',
    );
  }
  if (typeof maxAge !== 'number' || Number.isNaN(maxAge) || maxAge <= 0) {
    fail(
      'backup.maxAge',
      maxAge,
      'Use a number of milliseconds greater than 0, e.g. maxAge: 24 * 3600_000, or leave it out to load backups of any age.',
    );
  }
  return { dir: resolve(isAbsolute(dir) ? dir : resolve(process.cwd(), dir), name), maxAge };
}
