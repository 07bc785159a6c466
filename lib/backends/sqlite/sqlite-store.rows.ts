import type { SyncSerializer } from '../../backend/sync-serializer.interface.js';
import type { SyncRecordHead } from '../../backend/sync-store.interface.js';
import type { SyncVersion } from '../../backend/sync-version.js';
import { decodeFailed, encodeFailed } from './sqlite.messages.js';

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
export function headOf(row: HeadRow): Omit<SyncRecordHead, 'tag'> {
  const head = looseHeadOf(row);
  if (typeof head.version !== 'number' && typeof head.version !== 'string') {
    throw new TypeError(`the stored version ${row.version} is neither a JSON number nor a string`);
  }
  return head;
}

/** The version as stored and compared: its JSON, so `5` and `'5'` never match. */
export const versionKey = (version: SyncVersion) => JSON.stringify(version);

/**
 * Encodes data for a write: JSON text by default (readable with the sqlite3 shell), the bytes
 * of a custom serializer otherwise.
 *
 * @throws SyncStoreFormatError when the data cannot be encoded.
 */
export function encodeData(owner: string, tag: string, data: unknown, serializer?: SyncSerializer): string | Buffer {
  let encoded: unknown;
  try {
    encoded = serializer ? serializer.encode(data) : JSON.stringify(data);
  } catch (error) {
    throw encodeFailed(owner, tag, (error as Error)?.message ?? String(error), error);
  }
  if (serializer && typeof encoded === 'string') return Buffer.from(encoded, 'utf8');
  if (typeof encoded === 'string' || Buffer.isBuffer(encoded)) return encoded;
  throw encodeFailed(owner, tag, `it became ${typeof encoded === 'undefined' ? 'undefined' : typeof encoded}`);
}

/**
 * Decodes a stored record's data.
 *
 * @throws SyncStoreFormatError naming the tag and the file.
 */
export function decodeData(
  owner: string,
  tag: string,
  file: string,
  raw: string | Buffer,
  serializer?: SyncSerializer,
) {
  try {
    if (!serializer) return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8')) as unknown;
    return serializer.decode(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
  } catch (error) {
    throw decodeFailed(owner, tag, file, error);
  }
}

/** The head of a row, or a `SyncStoreFormatError` naming the tag and the file. */
export function decodeHead(owner: string, tag: string, file: string, row: HeadRow): Omit<SyncRecordHead, 'tag'> {
  try {
    return headOf(row);
  } catch (error) {
    throw decodeFailed(owner, tag, file, error);
  }
}
