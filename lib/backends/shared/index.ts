/**
 * Plumbing written once for every backend of this package (internal: not a public subpath):
 * bounded calls, backoff, redaction, option checks, record and event encoding, and the
 * message factories that make the same fault read the same in every backend.
 */
export { backoffDelay } from '../../backend/backoff.util.js';
export type { BackoffRange } from '../../backend/backoff.util.js';
export { BoundedCaller, NoAnswerError } from './bounded-call.js';
export type { BoundedCallTarget } from './bounded-call.js';
export { BACKEND_CLOSED, clause } from './backend.messages.js';
export {
  checkName,
  compressionOption,
  DEFAULT_COMPRESS_ABOVE,
  DEFAULT_INLINE_MAX_BYTES,
  inlineMaxBytesOption,
  checkSerializer,
  checkTtl,
  durationOption,
  invalidArgument,
  invalidOption,
} from './backend-options.checks.js';
export { optionalPeer } from './optional-peer.js';
export type { OptionalPeerLoader } from './optional-peer.js';
export {
  byteSize,
  compressRecordData,
  decodeRecordData,
  encodeRecordData,
  inflateRecordData,
} from './record-data.codec.js';
export type { RecordCompression } from './record-data.codec.js';
export { changeEventHead, isJsonSerializer } from './inline-record.codec.js';
export type { InlineRule } from './inline-record.codec.js';
export { redactSecrets, redactUrl, secretsOf } from './redaction.util.js';
export { decodeEvent } from './store-event.codec.js';
