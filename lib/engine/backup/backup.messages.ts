import { describeValue } from '../../backend/describe-value.util.js';

/** Message factories of the backups: what happened, to which file, and what to do next. */

const reason = (cause: unknown) => (cause instanceof Error ? cause.message : describeValue(cause));

export const BACKUP_LOADED = (tag: string, file: string, version: unknown, ageMs: number) =>
  `Sync task "${tag}": serving version ${describeValue(version)} from the backup ${file} ` +
  `(last checked ${Math.round(ageMs / 1000)} s ago) until the store answers.`;

export const BACKUP_SKIPPED = (tag: string, file: string, why: string) =>
  `Sync task "${tag}": ignoring the backup ${file}: ${why}. The task has no data until the store or the source answers; ` +
  `the file is replaced at the next install.`;

export const BACKUP_TOO_OLD = (ageMs: number, maxAge: number) =>
  `it was last checked ${Math.round(ageMs / 1000)} s ago, more than backup.maxAge (${maxAge} ms)`;

export const BACKUP_INVALID = (cause: unknown) => `its data failed the task's schema: ${reason(cause)}`;

export const BACKUP_WRITE_FAILED = (tag: string, file: string, cause: unknown) =>
  `Sync task "${tag}": could not write the backup ${file}: ${reason(cause)}. Readers and checks are not affected; ` +
  `the failures are counted in status() and the next version is tried again. Check that backup.dir is writable and has room.`;

export const BACKUP_WRITE_RECOVERED = (tag: string, failures: number) =>
  `Sync task "${tag}": the backup is written again after ${failures} failed write${failures === 1 ? '' : 's'}.`;

export const BACKUP_DIR_FAILED = (dir: string, cause: unknown) =>
  `Could not read the backup directory ${dir}: ${reason(cause)}. Starting without backups.`;

export const STORE_OUTAGE_AT_START = (name: string, cause: unknown, served: number, tasks: number) =>
  `Sync namespace "${name}": the store or lock is unreachable at start (${reason(cause)}). ` +
  `Serving backup data for ${served} of ${tasks} task${tasks === 1 ? '' : 's'}; retrying in the background, ` +
  `and joining (lease, notifications, reconciliation) as soon as it answers.`;

export const STORE_JOINED = (name: string, ms: number) =>
  `Sync namespace "${name}": the store answers again after ${Math.round(ms)} ms; joined without a restart.`;

export const STORE_STILL_DOWN = (since: number) =>
  `the store or lock has been unreachable since ${new Date(since).toISOString()}; serving backup data`;
