import { describeValue } from '../../backend/index.js';

/**
 * Message factories shared by the backends: the same fault reads the same in every backend,
 * naming the backend class, the value or the (redacted) server, and what to do next.
 * Backend-specific hints come from each backend's own messages file.
 */

/** A cause's message without its final period, to go inside a sentence. */
export const clause = (cause: string) => cause.replace(/[.\s]+$/, '');

export const INVALID_BACKEND_OPTION = (owner: string, option: string, value: unknown, fix: string) =>
  `Invalid ${owner} option "${option}": got ${describeValue(value)}. ${fix}`;

export const INVALID_BACKEND_ARGUMENT = (owner: string, what: string, value: unknown, fix: string) =>
  `Invalid ${what} passed to ${owner}: got ${describeValue(value)}. ${fix}`;

export const BACKEND_CALL_FAILED = (
  owner: string,
  action: string,
  where: string,
  cause: string,
  hint: string,
  lastError?: string,
) =>
  `${owner} could not ${action} (${where}): ${clause(cause)}` +
  `${lastError && lastError !== cause ? ` (last connection error: ${clause(lastError)})` : ''}. ${hint}`;

export const PEER_MISSING = (owner: string, name: string, range: string) =>
  `${owner} needs the package "${name}", an optional peer dependency of nestjs-version-sync, ` +
  `and it is not installed where nestjs-version-sync can load it. Install it in the app: npm install ${name}@${range}`;

export const BACKEND_CLOSED = (owner: string, server: string) =>
  `${owner} was closed: create a new instance to use ${server} again.`;

export const SERIALIZER_FIX =
  'Pass an object with encode(data): string | Buffer and decode(raw: Buffer) functions, or leave it out for JSON.';

export const ENCODE_FAILED = (owner: string, tag: string, problem: string) =>
  `${owner} could not encode the data of "${tag}": ${clause(problem)}. ` +
  `Return JSON-serialisable data, or fix the custom serializer's encode(); the stored snapshot was left as it was.`;

export const DECODE_FAILED = (owner: string, tag: string, cause: string) =>
  `${owner} could not decode the data of "${tag}": ${clause(cause)}. ` +
  `Every process of a namespace must use the same serializer; a record written by another serializer ` +
  `(or changed behind the module's back) is unreadable here.`;

export const FIX_INLINE_MAX_BYTES = (max: number, fallback: number) =>
  `Pass a whole number of bytes from 0 (no data in change events) to ${max}, or leave it out for ${fallback}.`;
export const FIX_COMPRESSION =
  "Pass 'gzip', 'brotli' or false (the default). Turn it on once every process runs a version that reads compressed records.";
export const FIX_COMPRESS_ABOVE = (fallback: number) =>
  `Pass a whole number of bytes (0 compresses every snapshot), or leave it out for ${fallback}.`;
export const UNKNOWN_ENCODING = (encoding: string) =>
  `the record says it is encoded as "${encoding}", which this version does not know (a newer writer?)`;
