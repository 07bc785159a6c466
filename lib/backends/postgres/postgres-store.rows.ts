import { jsonSerializer, type SyncRecordHead, type SyncSerializer } from '../../backend/index.js';
import { compressRecordData, decodeRecordData, encodeRecordData, inflateRecordData } from '../shared/index.js';
import type { RecordCompression } from '../shared/index.js';

/** A bigint column as pg hands it over: a string by default, a number or bigint with custom type parsers. */
type Int8 = string | number | bigint;

/** A snapshot row without its data, as the store's SELECTs return it. */
export interface HeadRow {
  /** jsonb as text: a JSON number or string. */
  version: string;
  modified_at: Int8;
  checked_at: Int8;
  fence: Int8;
  revision: Int8;
}

/** A whole snapshot row: the data sits in exactly one of the two columns. */
export interface RecordRow extends HeadRow {
  /** jsonb as text, with the default serializer. */
  data: string | null;
  /** Bytes of a custom serializer (or JSON that jsonb cannot hold). */
  data_bytes: Buffer | null;
}

/**
 * The data of a record in the form the write statement takes: exactly one of `json` or `bytes`, and
 * `encoded`, the serializer's output before any compression (what a change event may carry inline).
 */
export interface EncodedData {
  json: string | null;
  bytes: Buffer | null;
  encoded: string | Buffer;
  compressed: boolean;
}

/** The head fields of a row, typed: the version keeps its JSON type (`5` vs `'5'`), numbers become numbers. */
export function headOf(row: HeadRow): Omit<SyncRecordHead, 'tag'> {
  return {
    version: JSON.parse(row.version) as SyncRecordHead['version'],
    modifiedAt: Number(row.modified_at),
    checkedAt: Number(row.checked_at),
    fence: Number(row.fence),
    revision: Number(row.revision),
  };
}

/**
 * Encodes the data of `tag` for a write. With a custom serializer, its bytes go to the
 * `bytea` column. Otherwise the JSON goes to the `jsonb` column, except JSON holding a
 * NUL character (`\u0000`), which jsonb refuses: that JSON is stored as UTF-8 bytes and
 * read back with the JSON serializer. Compressed data (either kind) goes to `bytea`.
 * Data that cannot be encoded is a `SyncStoreFormatError`.
 */
export async function encodeData(
  owner: string,
  tag: string,
  data: unknown,
  serializer: SyncSerializer | undefined,
  compression: RecordCompression,
): Promise<EncodedData> {
  const encoded = serializer
    ? encodeRecordData(owner, tag, () => serializer.encode(data))
    : String(encodeRecordData(owner, tag, () => jsonSerializer.encode(data)));
  const stored = await compressRecordData(encoded, compression);
  if (stored.compressed) return { json: null, bytes: stored.data as Buffer, encoded, compressed: true };
  if (typeof encoded !== 'string') return { json: null, bytes: encoded, encoded, compressed: false };
  return serializer || encoded.includes('\\u0000')
    ? { json: null, bytes: Buffer.from(encoded, 'utf8'), encoded, compressed: false }
    : { json: encoded, bytes: null, encoded, compressed: false };
}

/**
 * The data of a row, from whichever column holds it (bytes inflated first when compressed); data that
 * cannot be decoded is a `SyncStoreFormatError`.
 */
export async function decodeData<T>(
  owner: string,
  tag: string,
  row: RecordRow,
  serializer?: SyncSerializer,
): Promise<T> {
  const bytes = row.data_bytes === null ? null : await inflateRecordData(owner, tag, row.data_bytes);
  return decodeRecordData<T>(owner, tag, () =>
    bytes !== null ? (serializer ?? jsonSerializer).decode(bytes) : JSON.parse(row.data ?? 'null'),
  );
}
