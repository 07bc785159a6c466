import { SyncConnectionError } from '../../backend/index.js';

/**
 * Message texts of the SQLite backend: the fixes its checks suggest, what its failures tell to
 * check (by SQLite result code or Node error code), and the faults only a local file has (a busy
 * database, a network file system). The sentences around them (option, value, file, cause) come
 * from the shared factories, so a fault reads the same as in every other backend.
 */

/** The server kind, as messages name it: "SQLite at /var/lib/my-app/sync.db". */
export const SQLITE = 'SQLite';

export const FIX_SQLITE_OPTIONS = 'Pass an object with a "path" (or a better-sqlite3 "database").';

export const FIX_SQLITE_BOTH = 'Pass either "path" or "database", not both.';

export const FIX_SQLITE_DATABASE = 'Pass a better-sqlite3 Database, or a "path" instead.';

export const FIX_SQLITE_PATH =
  'Pass the path of the database file every worker shares, e.g. "/var/lib/my-app/sync.db".';

export const FIX_SQLITE_IN_MEMORY =
  'Use a plain file path: an in-memory database is not shared by processes (pass a "database" for one process).';

export const FIX_SQLITE_TABLE_PREFIX =
  'Use 1 to 40 letters, digits or underscores, starting with a letter or an underscore, or leave it out ("sync").';

export const FIX_SQLITE_BUSY_TIMEOUT = (timeout: number) =>
  `Use a value no greater than "timeout" (${timeout} ms), or 0 to wait only between attempts.`;

export const FIX_SQLITE_WATCH = 'Use true (watch the file) or false (the timer alone).';

export const FIX_SQLITE_LEASE_NAME = 'Use a non-empty string, e.g. "default".';

export const FIX_SQLITE_HOLDER = 'Use a non-empty string that identifies the process.';

export const SQLITE_EVENTS_RESTORED = (file: string) => `Reading events from ${file} works again.`;

export const SQLITE_LISTENER_THREW = (cause: string) => `An event listener threw: ${cause}`;

/** What to check for an SQLite result code (extended codes such as SQLITE_IOERR_SHORT_READ use their base). */
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

/**
 * What to check after a failed call, by its cause's code. A busy database only gets here once
 * it stayed locked for the call's whole `timeout` (shorter waits are retried, never shown).
 */
export function sqliteHint(cause: unknown, timeout: number): string {
  const code = String((cause as { code?: unknown } | undefined)?.code ?? '');
  const base = code.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  if (base === 'SQLITE_BUSY' || base === 'SQLITE_LOCKED') {
    return (
      `It stayed locked by another connection for the call's whole timeout (${timeout} ms): look for a process ` +
      'holding a long write transaction on that file (a stopped debugger, a backup tool), or raise the "timeout" option.'
    );
  }
  return HINTS[base] ?? 'Check the path and that the file is a local SQLite database.';
}

/** The file lives on a network file system, where SQLite's locks do not hold. */
export function networkFileSystem(owner: string, file: string, kind: string): SyncConnectionError {
  return new SyncConnectionError(
    `${owner} refuses the SQLite database ${file}: it is on a network file system (${kind}), where SQLite's ` +
      'file locks and shared memory are not reliable, so two workers could both lead. Put the file on a local ' +
      'disk of the host (e.g. under /tmp or /var/lib/<app>), or use the Redis or PostgreSQL backend across hosts.',
  );
}
