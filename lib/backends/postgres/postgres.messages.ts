/**
 * Message texts of the PostgreSQL backend: the fixes its checks suggest and what its
 * connection errors tell to check, by SQLSTATE or Node error code. The sentences around
 * them (option, value, redacted server, cause) come from the shared factories, so a fault
 * reads the same as in every other backend.
 */

/** The server kind, as messages name it. */
export const POSTGRES = 'PostgreSQL';

export const FIX_POSTGRES_OPTIONS = 'Pass an object with a "pool" or a "connectionString".';

export const FIX_POSTGRES_BOTH = 'Pass either "pool" or "connectionString", not both.';

export const FIX_POSTGRES_POOL =
  'Pass a pg Pool (new Pool(...) from the "pg" package), or a "connectionString" instead.';

export const FIX_POSTGRES_MISSING =
  'Neither "pool" nor "connectionString" was given: pass a pg Pool as "pool", or a URL such as ' +
  '"postgres://user:password@host:5432/database" as "connectionString".';

export const FIX_POSTGRES_URL =
  'Pass a URL such as "postgres://user:password@host:5432/database", or a pg Pool as "pool".';

export const FIX_POSTGRES_AUTO_CREATE = 'Use true (create missing tables) or false.';

export const FIX_POSTGRES_IDENTIFIER = (fallback: string) =>
  'Use 1 to 63 letters, digits or underscores, starting with a letter or an underscore ' +
  `(e.g. "${fallback}"), or leave it out to use "${fallback}".`;

export const POSTGRES_NO_TABLES = (owner: string, tables: string[], where: string) =>
  `${owner} found no table ${tables.join(' / ')} (${where}) and autoCreate is false. ` +
  `Create the tables with the SQL of ${owner}.schemaSql(), or set autoCreate: true.`;

export const POSTGRES_LISTENER_RESTORED = (attempts: number) =>
  `LISTEN connection restored after ${attempts} attempt(s).`;

export const POSTGRES_SUBSCRIBER_THREW = (channel: string, cause: string) =>
  `A subscriber of channel "${channel}" threw: ${cause}`;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** What to check for a failure, by the PostgreSQL SQLSTATE or Node error code of its cause. */
const HINTS: Record<string, string> = {
  '28P01': 'Check the user name and password (and pg_hba.conf).',
  '28000': 'Check that the role exists and may connect (pg_hba.conf, the user name in the URL).',
  '3D000': 'The database does not exist: create it or fix the database name.',
  '42501':
    'The role lacks a privilege: grant it, or create the tables yourself from the SQL of ' +
    'PostgresSyncStore.schemaSql() / PostgresSyncLock.schemaSql() and pass autoCreate: false.',
  '42P01':
    'A table is missing (dropped, or another schema): create it from schemaSql(), or restart with autoCreate: true.',
  '42703': 'The table does not have the expected columns: compare it with the SQL of schemaSql().',
  '53300': 'The server has no connection slots left: lower pool sizes or raise max_connections.',
  '57014': 'A statement ran past its timeout: check for locks or load on the server, or raise queryTimeout.',
  '57P01': 'The server is shutting down or terminated the connection: check the server; the call can be retried.',
  '57P03': 'The server is starting up: retry in a moment.',
};

/** What to check after a failed call, from its cause's code and (redacted) text. */
export function postgresHint(cause: unknown, text: string): string {
  const code = String((cause as { code?: unknown } | undefined)?.code ?? '');
  if (HINTS[code]) return HINTS[code];
  if (NETWORK_CODES.has(code) || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Connection terminated unexpectedly/.test(text)) {
    return 'Check that PostgreSQL runs at that host and port and is reachable from this process.';
  }
  if (/timeout|timed out|no answer within/i.test(text)) {
    return 'The server did not answer in time: check that it is reachable and not overloaded, or raise connectTimeout / queryTimeout.';
  }
  if (/Cannot use a pool after calling end|pool (has been|was) (ended|closed)/i.test(text)) {
    return 'The pool was ended: close the store or lock before ending its pool, and do not use it after close().';
  }
  if (/^[0-9A-Z]{5}$/.test(code)) return `PostgreSQL refused the statement (SQLSTATE ${code}).`;
  return 'Check the connection options and that the server is up.';
}
