import type { SyncSerializer, SyncStoreEvent } from '../../backend/index.js';
import { inlineRecordOf } from './inline-record.codec.js';

type Fields = Record<string, unknown>;

const isText = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isVersion = (value: unknown): value is string | number => isText(value) || isCount(value);
/** A W3C traceparent (`00-<32 hex>-<16 hex>-<2 hex>`): the leader's check span, for followers to link to. */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/** Each event type with the check of its fields, and the event rebuilt from them (nothing foreign kept). */
const DECODERS: Record<SyncStoreEvent['type'], (e: Fields, serializer?: SyncSerializer) => SyncStoreEvent | undefined> =
  {
    change: ({ tag, version, revision, trace, inline }, serializer) => {
      if (!isText(tag) || !isVersion(version) || !isCount(revision)) return undefined;
      // A malformed trace context costs only the link, and a malformed inline record only the saved read.
      const record = inline === undefined ? undefined : inlineRecordOf({ tag, version, revision }, inline, serializer);
      return {
        type: 'change',
        tag,
        version,
        revision,
        ...(isText(trace) && TRACEPARENT.test(trace) && { trace }),
        ...(record && { record }),
      };
    },
    refresh: ({ tag, id }) => (isText(tag) && isText(id) ? { type: 'refresh', tag, id } : undefined),
    refreshed: ({ tag, id, revision }) => {
      if (!isText(tag) || !isText(id)) return undefined;
      if (revision === undefined) return { type: 'refreshed', tag, id };
      return isCount(revision) ? { type: 'refreshed', tag, id, revision } : undefined;
    },
    released: ({ holder }) => (isText(holder) ? { type: 'released', holder } : undefined),
  };

/**
 * A message from a namespace's channel as a `SyncStoreEvent`, or `undefined` for anything
 * that is not one of ours (not JSON, an unknown type, a missing or mistyped field): other
 * publishers may share a channel, and a listener must never get a malformed event. A change
 * event's inline record is decoded with `serializer` (the store's; `undefined` for JSON).
 */
export function decodeEvent(message: string, serializer?: SyncSerializer): SyncStoreEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = parsed as Fields;
  const decode = Object.hasOwn(DECODERS, String(fields.type)) ? DECODERS[fields.type as SyncStoreEvent['type']] : null;
  return decode?.(fields, serializer);
}
