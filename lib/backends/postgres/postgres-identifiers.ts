import { createHash } from 'node:crypto';
import { invalidOption } from '../shared/index.js';
import { FIX_POSTGRES_IDENTIFIER } from './postgres.messages.js';

/**
 * What a schema or table name may be. Names are also quoted in every statement,
 * so this rule is not what stops SQL injection; it keeps names portable (no
 * case or Unicode surprises, no truncation past PostgreSQL's 63-byte limit).
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** PostgreSQL truncates identifiers (channel names included) longer than this many bytes. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Checks a schema or table name and returns it (or `fallback` when it is left out).
 *
 * @throws InvalidSyncOptionsError naming the option and the value.
 */
export function validateIdentifier(owner: string, option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && IDENTIFIER.test(value)) return value;
  throw invalidOption(owner, option, value, FIX_POSTGRES_IDENTIFIER(fallback));
}

/** Quotes an identifier for SQL (`"name"`, inner quotes doubled). Every name in every statement goes through it. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`, both parts quoted. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/**
 * The NOTIFY channel of a namespace: `schema.table:namespace` while that is at
 * most 63 bytes of printable characters, so an operator can recognise it in
 * `pg_listening_channels()`. Longer or unusual names are hashed instead:
 * PostgreSQL would silently truncate a long `LISTEN` name (two namespaces could
 * then share a channel) and `pg_notify` rejects it outright.
 */
export function channelName(schema: string, table: string, namespace: string): string {
  const readable = `${schema}.${table}:${namespace}`;
  if (Buffer.byteLength(readable) <= MAX_IDENTIFIER_BYTES && /^[\x20-\x7e]+$/.test(readable)) return readable;
  return `vsync_${createHash('sha256').update(readable).digest('hex').slice(0, 40)}`;
}
