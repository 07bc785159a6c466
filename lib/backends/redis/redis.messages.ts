import { describeValue } from '../../backend/describe-value.util.js';

/**
 * Message factories of the Redis backend: each says what was wrong, the
 * (redacted) value, and what to do next. No message ever carries a password.
 */

/** The URL with its password (and a username's secret part) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL the WHATWG parser accepts: still hide anything between "//" and "@".
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** `text` with every occurrence of each secret replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret ? out.split(secret).join('***') : out), text);
}

/** A cause's message without its final period, to go inside a sentence. */
const clause = (cause: string) => cause.replace(/[.\s]+$/, '');

export const INVALID_REDIS_OPTION = (owner: string, option: string, value: unknown, fix: string) =>
  `Invalid ${owner} option "${option}": got ${describeValue(value)}. ${fix}`;

export const INVALID_REDIS_ARGUMENT = (owner: string, what: string, value: unknown, fix: string) =>
  `Invalid ${what} passed to ${owner}: got ${describeValue(value)}. ${fix}`;

export const REDIS_CONNECT_FAILED = (owner: string, target: string, cause: string) =>
  `${owner} could not connect to Redis at ${target}: ${clause(cause)}. ` +
  `Check that Redis runs and is reachable at that host and port (firewall, TLS: rediss://), ` +
  `and that the username and password in the URL or client options are right.`;

export const REDIS_CALL_FAILED = (
  owner: string,
  target: string,
  operation: string,
  cause: string,
  lastError?: string,
) =>
  `${owner}: ${operation} failed on Redis at ${target}: ${clause(cause)}` +
  `${lastError && lastError !== cause ? ` (last connection error: ${clause(lastError)})` : ''}. ` +
  `Check that Redis is reachable; callers retry on their next tick.`;

export const REDIS_CALL_TIMEOUT = (owner: string, target: string, operation: string, ms: number, lastError?: string) =>
  `${owner}: Redis at ${target} did not answer ${operation} within ${ms} ms` +
  `${lastError ? ` (last connection error: ${clause(lastError)})` : ''}. ` +
  `Check that Redis is up and reachable, or raise the "timeout" option.`;

export const REDIS_CLOSED = (owner: string) => `${owner} was closed: create a new instance to use Redis again.`;

export const REDIS_DECODE_FAILED = (owner: string, tag: string, cause: string) =>
  `${owner} could not decode the data of "${tag}": ${clause(cause)}. ` +
  `Every process of a namespace must use the same serializer; a record written by another serializer is unreadable here.`;

export const REDIS_ENCODE_FAILED = (owner: string, tag: string, value: unknown) =>
  `${owner}: the serializer turned the data of "${tag}" into ${describeValue(value)} instead of a string or Buffer. ` +
  `Return JSON-serialisable data, or fix the custom serializer's encode().`;
