import { SyncStoreFormatError } from '../../backend/index.js';
import { DECODE_FAILED, ENCODE_FAILED } from './backend.messages.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs a serializer's `encode` for the data of `tag`. A throw, or a result that is neither
 * a string nor a Buffer, becomes a `SyncStoreFormatError` before anything is sent, so the
 * stored snapshot stays as it was.
 */
export function encodeRecordData(owner: string, tag: string, encode: () => unknown): string | Buffer {
  let encoded: unknown;
  try {
    encoded = encode();
  } catch (error) {
    throw new SyncStoreFormatError(ENCODE_FAILED(owner, tag, messageOf(error)), { tag, cause: error });
  }
  if (typeof encoded === 'string' || Buffer.isBuffer(encoded)) return encoded;
  const problem = `the serializer returned ${encoded === undefined ? 'nothing' : typeof encoded}, not a string or Buffer`;
  throw new SyncStoreFormatError(ENCODE_FAILED(owner, tag, problem), { tag });
}

/** Runs a serializer's `decode` for the stored data of `tag`; a throw becomes a `SyncStoreFormatError`. */
export function decodeRecordData<T>(owner: string, tag: string, decode: () => unknown): T {
  try {
    return decode() as T;
  } catch (error) {
    throw new SyncStoreFormatError(DECODE_FAILED(owner, tag, messageOf(error)), { tag, cause: error });
  }
}
