import { jsonSerializer } from '../../backend/index.js';
import type { SyncRecordHead, SyncSerializer, SyncVersion } from '../../backend/index.js';
import { decodeRecordData, encodeRecordData, inflateRecordData } from '../shared/index.js';

/** A snapshot row without its data, as the store's SELECTs return it. */
export interface HeadRow {
  /** JSON: a number or a string. */
  version: string;
  modified_at: number;
  checked_at: number;
  fence: number;
  revision: number;
}

/** A whole snapshot row: JSON text with the default serializer, bytes with a custom one. */
export interface RecordRow extends HeadRow {
  data: string | Buffer;
}

/**
 * The head fields of a row even when its version is foreign: such a version comes back as
 * `null`, which the engine's record checks report as a corrupt record of that task alone.
 */
export function looseHeadOf(row: HeadRow): Omit<SyncRecordHead, 'tag'> {
  let version: unknown = null;
  try {
    version = JSON.parse(row.version);
  } catch {
    // Left null: see above.
  }
  return {
    version: version as SyncVersion,
    modifiedAt: Number(row.modified_at),
    checkedAt: Number(row.checked_at),
    fence: Number(row.fence),
    revision: Number(row.revision),
  };
}

/** The head fields of a row, typed: the version keeps its JSON type (`5` vs `'5'`). Throws on a foreign row. */
function headOf(row: HeadRow): Omit<SyncRecordHead, 'tag'> {
  const head = looseHeadOf(row);
  if (typeof head.version !== 'number' && typeof head.version !== 'string') {
    throw new TypeError(`the stored version ${row.version} is neither a JSON number nor a string`);
  }
  return head;
}

/** The version as stored and compared: its JSON, so `5` and `'5'` never match. */
export const versionKey = (version: SyncVersion) => JSON.stringify(version);

/**
 * Encodes the data of `tag` for a write: JSON text by default (readable with the sqlite3 shell),
 * the bytes of a custom serializer otherwise (a string it returns is stored as its UTF-8 bytes).
 *
 * @throws SyncStoreFormatError when the data cannot be encoded (nothing is written then).
 */
export function encodeData(owner: string, tag: string, data: unknown, serializer?: SyncSerializer): string | Buffer {
  if (!serializer) return encodeRecordData(owner, tag, () => jsonSerializer.encode(data));
  const encoded = encodeRecordData(owner, tag, () => serializer.encode(data));
  return typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
}

/** A row with its data inflated if it was stored compressed (JSON text never is: it is stored as it is). */
export async function inflateRow<R extends RecordRow>(owner: string, tag: string, row: R): Promise<R> {
  if (typeof row.data === 'string') return row;
  return { ...row, data: await inflateRecordData(owner, tag, row.data) };
}

/**
 * A stored row as a record's head and data, decoded by the store's serializer (JSON text by default).
 *
 * @throws SyncStoreFormatError when the version or the data cannot be decoded.
 */
export function decodeRecord<T>(
  owner: string,
  tag: string,
  row: RecordRow,
  serializer?: SyncSerializer,
): Omit<SyncRecordHead, 'tag'> & { data: T } {
  return decodeRecordData(owner, tag, () => {
    const { data } = row;
    if (!serializer && typeof data === 'string') return { ...headOf(row), data: JSON.parse(data) as T };
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return { ...headOf(row), data: (serializer ?? jsonSerializer).decode(bytes) as T };
  });
}
