import { jsonSerializer, type SyncRecordHead, type SyncSerializer } from '../../backend/index.js';
import { decodeRecordData, encodeRecordData } from '../shared/index.js';

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

/** The data of a record in the form the write statement takes: exactly one of `json` or `bytes`. */
export interface EncodedData {
  json: string | null;
  bytes: Buffer | null;
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
 * read back with the JSON serializer. Data that cannot be encoded is a `SyncStoreFormatError`.
 */
export function encodeData(owner: string, tag: string, data: unknown, serializer?: SyncSerializer): EncodedData {
  if (serializer) {
    const encoded = encodeRecordData(owner, tag, () => serializer.encode(data));
    return { json: null, bytes: typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded };
  }
  const json = String(encodeRecordData(owner, tag, () => JSON.stringify(data)));
  return json.includes('\\u0000') ? { json: null, bytes: Buffer.from(json, 'utf8') } : { json, bytes: null };
}

/** The data of a row, from whichever column holds it; data that cannot be decoded is a `SyncStoreFormatError`. */
export function decodeData<T>(owner: string, tag: string, row: RecordRow, serializer?: SyncSerializer): T {
  return decodeRecordData<T>(owner, tag, () =>
    row.data_bytes !== null ? (serializer ?? jsonSerializer).decode(row.data_bytes) : JSON.parse(row.data ?? 'null'),
  );
}
