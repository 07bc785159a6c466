import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants, gunzip, gzip } from 'node:zlib';
import { SyncStoreFormatError } from '../../backend/index.js';
import { DECODE_FAILED, ENCODE_FAILED, UNKNOWN_ENCODING } from './backend.messages.js';

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

/** How a store compresses large snapshots (see `compressionOption`). */
export interface RecordCompression {
  readonly algorithm: 'gzip' | 'brotli' | false;
  /** Encoded snapshots of more bytes than this are compressed. */
  readonly above: number;
}

/**
 * Compressed data starts with this marker and the encoding's name up to a newline (`\0vsync-enc:gzip\n`).
 * The marker lives in the data itself, so a writer without compression (a rolling upgrade) overwrites it
 * with the data, and every backend reads a record as it was written. JSON never starts with a NUL byte; a
 * custom serializer's bytes would have to start with these very 11 bytes to be mistaken for compressed.
 */
const MARKER = Buffer.from('\0vsync-enc:', 'latin1');
/** The longest encoding name the marker may hold before its newline. */
const MAX_ENCODING = 16;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const brotliAsync = promisify(brotliCompress);
const unbrotliAsync = promisify(brotliDecompress);

/** The byte size of encoded data. */
export const byteSize = (data: string | Buffer) => (typeof data === 'string' ? Buffer.byteLength(data) : data.length);

/**
 * Both algorithms at their fastest level: on 10 MB of JSON (this package's benchmark payload) gzip level 1
 * takes a fifth of level 6's time for the same size (×0.13), and brotli quality 1 a seventh of quality 5's
 * for ×0.07 instead of ×0.05. The leader compresses every large version, so its CPU counts more than the
 * last few per cent of bytes.
 */
const GZIP = { level: 1 };
const BROTLI = (size: number) => ({
  params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: size },
});

/** Output chunk bounds for zlib: its default (16 KiB) up to 16 MiB. */
const MIN_CHUNK = 16_384;
const MAX_CHUNK = 16_777_216;

/**
 * The output chunk size for a zlib call that should make about `expected` bytes. node:zlib's async calls fill
 * one chunk per trip to the thread pool and back to the event loop: at the default 16 KiB, inflating a 10 MB
 * document took some 700 trips, 35–95 ms against 11–18 ms with 1 MiB chunks (gzip and brotli alike), and far
 * more while the event loop was busy; and output in several chunks is copied once more to join them. The
 * floor keeps small records at the default, the cap bounds what one chunk allocates.
 */
export const zlibChunkSize = (expected: number) => Math.min(Math.max(Math.ceil(expected), MIN_CHUNK), MAX_CHUNK);

/** JSON deflates to between a fifth and a fifteenth of its size at these levels: a quarter fits in one chunk. */
const DEFLATED = 1 / 4;
/** Brotli at quality 1 shrinks JSON 10 to 20 times, and its stream does not say its size. */
const BROTLI_INFLATED = 16;
/** The smallest gzip stream: a 10-byte header and an 8-byte trailer. */
const GZIP_MIN = 18;

/**
 * The output chunk size to inflate `packed` with (`encoding` gzip, else brotli). A gzip stream ends with its
 * inflated size (ISIZE, modulo 2^32: exact for the one member under 4 GiB this codec writes; one byte more, as
 * output that fills the chunk exactly makes zlib allocate another); from any other writer, a wrong guess costs
 * more chunks, never data.
 */
export function inflateChunkSize(encoding: string, packed: Buffer): number {
  const gzip = encoding === 'gzip' && packed.length >= GZIP_MIN;
  return zlibChunkSize(gzip ? packed.readUInt32LE(packed.length - 4) + 1 : packed.length * BROTLI_INFLATED);
}

/**
 * Encoded data as the store keeps it: as it is, or compressed behind the marker when `compression` is on
 * and the data is larger than `compression.above` bytes. node:zlib's async calls run in libuv's thread
 * pool, so a 10 MB snapshot does not hold the event loop.
 */
export async function compressRecordData(
  data: string | Buffer,
  compression: RecordCompression,
): Promise<{ data: string | Buffer; compressed: boolean }> {
  const { algorithm, above } = compression;
  const size = byteSize(data);
  if (!algorithm || size <= above) return { data, compressed: false };
  const chunkSize = zlibChunkSize(size * DEFLATED);
  const packed =
    algorithm === 'gzip'
      ? await gzipAsync(data, { ...GZIP, chunkSize })
      : await brotliAsync(data, { ...BROTLI(size), chunkSize });
  const name = algorithm === 'gzip' ? 'gzip' : 'br';
  return { data: Buffer.concat([MARKER, Buffer.from(`${name}\n`, 'latin1'), packed]), compressed: true };
}

/**
 * The serializer's bytes of stored data: `data` itself, or inflated (off the event loop) when it starts
 * with the compression marker.
 * @throws SyncStoreFormatError when compressed bytes do not inflate, or name an unknown encoding.
 */
export async function inflateRecordData(owner: string, tag: string, data: Buffer): Promise<Buffer> {
  if (data.length < MARKER.length || data[0] !== 0 || !data.subarray(0, MARKER.length).equals(MARKER)) return data;
  const end = data.indexOf(0x0a, MARKER.length);
  const encoding = data.toString('latin1', MARKER.length, end < 0 ? MARKER.length + MAX_ENCODING : end);
  const inflate = encoding === 'gzip' ? gunzipAsync : encoding === 'br' ? unbrotliAsync : undefined;
  if (!inflate || end < 0 || end > MARKER.length + MAX_ENCODING) {
    throw new SyncStoreFormatError(DECODE_FAILED(owner, tag, UNKNOWN_ENCODING(encoding)), { tag });
  }
  try {
    const packed = data.subarray(end + 1);
    return await inflate(packed, { chunkSize: inflateChunkSize(encoding, packed) });
  } catch (error) {
    throw new SyncStoreFormatError(DECODE_FAILED(owner, tag, messageOf(error)), { tag, cause: error });
  }
}
