import { inspect } from 'node:util';
import { SyncConnectionError } from '../../backend/index.js';

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

/**
 * A connection string with its password replaced by `***`, safe for logs and
 * error messages. Handles URLs (`postgres://user:secret@host/db`, also with an
 * unencoded `@` in the password) and `password=` parameters; errs on the side
 * of hiding too much.
 */
export function redactConnectionString(value: string): string {
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):.*@/i, '$1:***@')
    .replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)/gi, '$1***');
}

/** The password of a connection string, raw and decoded, to scrub it from any message that might echo it. */
export function secretsOf(value: string | undefined): string[] {
  if (!value) return [];
  const secrets = [
    /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:(.*)@/i.exec(value)?.[1],
    /password\s*=\s*'?([^'\s&]*)/i.exec(value)?.[1],
  ];
  for (const secret of [...secrets]) {
    try {
      if (secret) secrets.push(decodeURIComponent(secret));
    } catch {
      // Not percent-encoded: the raw form is already listed.
    }
  }
  return [...new Set(secrets.filter((s): s is string => !!s && s.length > 0))];
}

/** The text of an error, also for the message-less `AggregateError` Node gives for a refused dual-stack connect. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { errors?: unknown[] }).errors;
  const innerText = Array.isArray(inner)
    ? inner.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')
    : '';
  return cause.message || innerText || String((cause as { code?: unknown }).code ?? cause.name);
}

function hintFor(cause: unknown, text: string): string {
  const code = String((cause as { code?: unknown } | undefined)?.code ?? '');
  if (HINTS[code]) return HINTS[code];
  if (NETWORK_CODES.has(code) || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|Connection terminated unexpectedly/.test(text)) {
    return 'Check that PostgreSQL runs at that host and port and is reachable from this process.';
  }
  if (/timeout|timed out/i.test(text)) {
    return 'The server did not answer in time: check that it is reachable and not overloaded, or raise connectTimeout / queryTimeout.';
  }
  if (/Cannot use a pool after calling end|pool (has been|was) (ended|closed)/i.test(text)) {
    return 'The pool was ended: close the store or lock before ending its pool, and do not use it after close().';
  }
  if (/^[0-9A-Z]{5}$/.test(code)) return `PostgreSQL refused the statement (SQLSTATE ${code}).`;
  return 'Check the connection options and that the server is up.';
}

/**
 * The `SyncConnectionError` for a failed call: who failed, doing what, where
 * (the redacted target), why, and what to check. Passwords never appear.
 */
export function connectionFailure(
  owner: string,
  action: string,
  target: string,
  cause: unknown,
  secrets: readonly string[],
): SyncConnectionError {
  let text = describeCause(cause);
  for (const secret of secrets) text = text.replaceAll(secret, '***');
  const message = `${owner} could not ${action} at ${target}: ${text}. ${hintFor(cause, text)}`;
  // Some causes carry the raw connection string (e.g. ERR_INVALID_URL's `input`): keep them out of logs.
  const raw = inspect(cause, { depth: 2 });
  const leaks = secrets.some((secret) => raw.includes(secret));
  return new SyncConnectionError(message, { cause: leaks ? new Error(text) : cause });
}
