import { InvalidSyncOptionsError, SyncConnectionError, SyncStoreFormatError } from '../../backend/index.js';
import { describeValue } from '../../backend/describe-value.util.js';

/**
 * Message factories of the SQLite backend: each says what was wrong, on which
 * file, and what to do next. Same fault, same error class as the other backends.
 */

export const FIX_SQLITE_LEASE_NAME = 'Use a non-empty string, e.g. "default".';

export const FIX_SQLITE_HOLDER = 'Use a non-empty string that identifies the process.';

/** A cause's message without its final period, to go inside a sentence. */
const clause = (cause: unknown) =>
  (cause instanceof Error ? cause.message : String(cause)).replace(/[.\s]+$/, '') || 'unknown error';

/** What to check for an SQLite result code. */
const HINTS: Record<string, string> = {
  SQLITE_CANTOPEN:
    'Check that the directory exists and that this process may read and write it (SQLite also creates ' +
    'the -wal and -shm files next to the database).',
  SQLITE_NOTADB: 'The file is not an SQLite database: point "path" at a new or an SQLite file.',
  SQLITE_CORRUPT: 'The database file is damaged: stop every worker and delete it (it only holds snapshots).',
  SQLITE_READONLY: 'The file or its directory is read-only for this process: fix the permissions.',
  SQLITE_FULL: 'The disk is full: free some space.',
  SQLITE_IOERR: 'The file system failed a read or write: check the disk.',
  SQLITE_PERM: 'Access was denied: fix the permissions of the file and its directory.',
  ENOENT: 'The directory of the file does not exist: create it first.',
  EACCES: 'This process may not read that directory: fix its permissions.',
};

function hintFor(cause: unknown): string {
  const code = String((cause as { code?: unknown } | undefined)?.code ?? '');
  const base = code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  if (HINTS[base]) return HINTS[base];
  if (/not open/i.test(clause(cause))) return 'It was closed: create a new instance to use the file again.';
  return 'Check the path and that the file is a local SQLite database.';
}

/** `InvalidSyncOptionsError` for a bad constructor option: the option, the value, the fix. */
export function invalidOption(owner: string, option: string, value: unknown, fix: string): InvalidSyncOptionsError {
  return new InvalidSyncOptionsError(
    `Invalid ${owner} option "${option}": got ${describeValue(value)}. ${fix}`,
    option,
    value,
  );
}

/** A failed call on the file: who, doing what, which file, why, and what to check. */
export function sqliteFailure(owner: string, action: string, file: string, cause: unknown): SyncConnectionError {
  return new SyncConnectionError(
    `${owner} could not ${action} in the SQLite database ${file}: ${clause(cause)}. ${hintFor(cause)}`,
    { cause },
  );
}

/** The database stayed locked by other processes past the call's timeout (no SQLITE_BUSY reaches the app). */
export function sqliteLocked(owner: string, action: string, file: string, ms: number, cause: unknown) {
  return new SyncConnectionError(
    `${owner} could not ${action} in the SQLite database ${file}: it stayed locked by another connection ` +
      `for ${ms} ms (${clause(cause)}). Look for a process holding a long write transaction on that file ` +
      '(a stopped debugger, a backup tool), or raise the "timeout" option.',
    { cause },
  );
}

/** The file lives on a network file system, where SQLite's locks do not hold. */
export function networkFileSystem(owner: string, file: string, kind: string): SyncConnectionError {
  return new SyncConnectionError(
    `${owner} refuses the SQLite database ${file}: it is on a network file system (${kind}), where SQLite's ` +
      'file locks and shared memory are not reliable, so two workers could both lead. Put the file on a local ' +
      'disk of the host (e.g. under /tmp or /var/lib/<app>), or use the Redis or PostgreSQL backend across hosts.',
  );
}

/** The serializer could not encode the data of a snapshot. */
export function encodeFailed(owner: string, tag: string, detail: string, cause?: unknown): SyncStoreFormatError {
  return new SyncStoreFormatError(
    `${owner} could not encode the data of "${tag}": ${detail}. ` +
      'Return JSON-serialisable data, or fix the custom serializer\u2019s encode().',
    { tag, cause },
  );
}

/** A stored record could not be decoded. */
export function decodeFailed(owner: string, tag: string, file: string, cause: unknown): SyncStoreFormatError {
  return new SyncStoreFormatError(
    `${owner} could not decode the record of "${tag}" in ${file}: ${clause(cause)}. Every process of a namespace ` +
      'must use the same serializer; the leader rewrites the record at its next change.',
    { tag, cause },
  );
}
