import { jsonSerializer } from '../../backend/index.js';
import type { StoredSyncRecord, SyncRecord, SyncSerializer, SyncVersion } from '../../backend/index.js';
import { byteSize } from './record-data.codec.js';

/**
 * Small snapshots travel with their change event, so a follower installs them without a read (one round
 * trip less per change). On the wire the event gets an `inline` field: the record's times and fence, and
 * its data, as JSON embedded as is when the store keeps JSON text, or as base64 of a custom serializer's
 * bytes. The tag, version and revision are the event's own. Compressed data never goes inline.
 */

/** When a store puts a snapshot's data in its change event. */
export interface InlineRule {
  /** Largest encoded snapshot that goes inline; 0: never. */
  readonly maxBytes: number;
  /** Whether the encoded data is JSON text (the default serializer), embedded as is instead of as base64. */
  readonly json: boolean;
}

/** Whether the store's serializer makes JSON text: `undefined` stands for the default. */
export const isJsonSerializer = (serializer: SyncSerializer | undefined) =>
  serializer === undefined || serializer === jsonSerializer;

/**
 * The change event of `record` as JSON up to its revision (ending `,"revision":`), which the store appends
 * once it has assigned it; with the data inline when `data` (encoded, not compressed) fits `rule`. The
 * record's times must be as the store keeps them (PostgreSQL and SQLite round them), so an inline record
 * equals the record a read returns.
 */
export function changeEventHead(tag: string, record: SyncRecord, data: string | Buffer | undefined, rule: InlineRule) {
  const head = JSON.stringify({ type: 'change', tag, version: record.version, trace: record.trace }).slice(0, -1);
  if (data === undefined || rule.maxBytes === 0 || byteSize(data) > rule.maxBytes) return `${head},"revision":`;
  const { modifiedAt, checkedAt, fence } = record;
  const times = JSON.stringify({ modifiedAt, checkedAt, fence }).slice(0, -1);
  const payload = rule.json ? `"data":${data.toString()}` : `"bytes":"${Buffer.from(data).toString('base64')}"`;
  return `${head},"inline":${times},${payload}},"revision":`;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * The record an event's `inline` field carries, decoded with `serializer` (`undefined` for the default JSON),
 * or `undefined` when it is malformed or fails to decode: the event then stays a plain change, and the
 * follower reads the record as it would have without it.
 */
export function inlineRecordOf(
  head: { tag: string; version: SyncVersion; revision: number },
  inline: unknown,
  serializer: SyncSerializer | undefined,
): StoredSyncRecord | undefined {
  if (typeof inline !== 'object' || inline === null) return undefined;
  const { modifiedAt, checkedAt, fence, data, bytes } = inline as Record<string, unknown>;
  if (!isCount(modifiedAt) || !isCount(checkedAt) || !isCount(fence)) return undefined;
  const record = { ...head, modifiedAt, checkedAt, fence };
  if (isJsonSerializer(serializer)) return Object.hasOwn(inline, 'data') ? { ...record, data } : undefined;
  if (typeof bytes !== 'string') return undefined;
  try {
    return { ...record, data: serializer!.decode(Buffer.from(bytes, 'base64')) };
  } catch {
    return undefined;
  }
}
