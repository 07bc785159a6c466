import { checkDuration, InvalidSyncOptionsError, type SyncSerializer } from '../../backend/index.js';
import {
  FIX_COMPRESS_ABOVE,
  FIX_COMPRESSION,
  FIX_INLINE_MAX_BYTES,
  INVALID_BACKEND_ARGUMENT,
  INVALID_BACKEND_OPTION,
  SERIALIZER_FIX,
} from './backend.messages.js';
import type { RecordCompression } from './record-data.codec.js';

/**
 * Checks of constructor options and call arguments that every backend shares. Names that
 * go into keys or SQL (key prefixes, identifiers) are each backend's own business.
 */

/** The error for a bad constructor option of `owner`: names the option, shows the value, says the fix. */
export function invalidOption(owner: string, option: string, value: unknown, fix: string): InvalidSyncOptionsError {
  return new InvalidSyncOptionsError(INVALID_BACKEND_OPTION(owner, option, value, fix), option, value);
}

/** The error for a bad argument of a call (a TTL, a holder, a namespace): an option error too, named `what`. */
export function invalidArgument(owner: string, what: string, value: unknown, fix: string): InvalidSyncOptionsError {
  return new InvalidSyncOptionsError(INVALID_BACKEND_ARGUMENT(owner, what, value, fix), what, value);
}

/** A duration option of `owner` (a timeout), or `fallback` when it is left out. */
export function durationOption(owner: string, option: string, value: unknown, fallback: number): number {
  return checkDuration(option, value, { fallback }, (fix) => invalidOption(owner, option, value, fix));
}

/** The `ttl` argument of a lock call: a duration in ms, refused as an `InvalidSyncOptionsError` in every backend. */
export function checkTtl(owner: string, ttl: unknown): number {
  return checkDuration('ttl', ttl, {}, (fix) => invalidArgument(owner, 'ttl', ttl, fix));
}

/** A non-empty string argument such as a lease holder. */
export function checkName(owner: string, what: string, value: unknown, fix: string): string {
  if (typeof value === 'string' && value !== '') return value;
  throw invalidArgument(owner, what, value, fix);
}

/** The `serializer` option: `undefined` (the caller's default) or an object with `encode` and `decode`. */
export function checkSerializer(owner: string, serializer: unknown): SyncSerializer | undefined {
  if (serializer === undefined) return undefined;
  const candidate = serializer as Partial<SyncSerializer> | null;
  if (typeof candidate?.encode === 'function' && typeof candidate.decode === 'function')
    return candidate as SyncSerializer;
  throw invalidOption(owner, 'serializer', serializer, SERIALIZER_FIX);
}

/** Default of the `inlineMaxBytes` option: snapshots up to this size travel with their change event. */
export const DEFAULT_INLINE_MAX_BYTES = 4_096;
/** Default of the `compressAbove` option: only snapshots larger than this are compressed. */
export const DEFAULT_COMPRESS_ABOVE = 65_536;

const isByteCount = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;

/** The `inlineMaxBytes` option: 0 (off) to `max` bytes (a backend's own limit, such as NOTIFY's 8000). */
export function inlineMaxBytesOption(owner: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return Math.min(DEFAULT_INLINE_MAX_BYTES, max);
  if (isByteCount(value, max)) return value;
  throw invalidOption(
    owner,
    'inlineMaxBytes',
    value,
    FIX_INLINE_MAX_BYTES(max, Math.min(DEFAULT_INLINE_MAX_BYTES, max)),
  );
}

/** The `compression` and `compressAbove` options, checked together. */
export function compressionOption(
  owner: string,
  options: { compression?: unknown; compressAbove?: unknown },
): RecordCompression {
  const { compression = false, compressAbove } = options;
  if (compression !== false && compression !== 'gzip' && compression !== 'brotli') {
    throw invalidOption(owner, 'compression', compression, FIX_COMPRESSION);
  }
  if (compressAbove !== undefined && !isByteCount(compressAbove, Number.MAX_SAFE_INTEGER)) {
    throw invalidOption(owner, 'compressAbove', compressAbove, FIX_COMPRESS_ABOVE(DEFAULT_COMPRESS_ABOVE));
  }
  return { algorithm: compression, above: compressAbove ?? DEFAULT_COMPRESS_ABOVE };
}
