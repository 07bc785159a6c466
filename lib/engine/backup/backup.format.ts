import { createHash } from 'node:crypto';
import type { SyncVersion } from '../../backend/sync-version.js';
import { isSyncVersion } from '../record.checks.js';

/**
 * The backup file of one task, in three parts so that a reader can tell at once what it holds:
 *
 *     NVSYNC-BACKUP/1 <sha256 of everything after this line, hex>\n
 *     {"namespace":…,"tag":…,"version":…,"modifiedAt":…,"checkedAt":…,"savedAt":…,"bytes":…}\n
 *     <the data as JSON>
 *
 * The checksum covers the metadata and the payload: a flipped byte in either (a version turned into
 * another, a truncated payload) fails it. A version keeps its JSON type, so `5` stays a number and
 * `'5'` a string, as in every store.
 */
export const BACKUP_MAGIC = 'NVSYNC-BACKUP';

/** Version of the layout above; a file of another version is skipped as foreign, never guessed at. */
export const BACKUP_FORMAT_VERSION = 1;

/** Suffix of a backup file; temp files end in `.tmp` and are never loaded. */
export const BACKUP_EXTENSION = '.snapshot';

/** What a backup file holds about its snapshot besides the data. Times are epoch ms. */
export interface SyncBackupMeta {
  readonly namespace: string;
  readonly tag: string;
  readonly version: SyncVersion;
  readonly modifiedAt: number;
  /** The last successful check known to the writer for this version. */
  readonly checkedAt: number;
  /** When the file was written. */
  readonly savedAt: number;
  /** Length of the payload in bytes. */
  readonly bytes: number;
}

/** A decoded, verified backup. */
export interface SyncBackupContent {
  readonly meta: SyncBackupMeta;
  readonly data: unknown;
}

/** Why a file was refused; the loader turns it into a warning that names the file. */
export class SyncBackupFormatError extends Error {}

const sha256 = (...parts: Buffer[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

/** The bytes of a backup file (the caller serialised `payload` once, as JSON). */
export function encodeBackup(meta: Omit<SyncBackupMeta, 'bytes'>, payload: Buffer): Buffer {
  const head = Buffer.from(`${JSON.stringify({ ...meta, bytes: payload.length })}\n`);
  return Buffer.concat([
    Buffer.from(`${BACKUP_MAGIC}/${BACKUP_FORMAT_VERSION} ${sha256(head, payload)}\n`),
    head,
    payload,
  ]);
}

/**
 * Verifies and decodes a backup file written for `namespace` / `tag`.
 * @throws SyncBackupFormatError saying what is wrong (foreign format, checksum, metadata, payload).
 */
export function decodeBackup(raw: Buffer, namespace: string, tag: string): SyncBackupContent {
  const firstEnd = raw.indexOf(0x0a);
  const first = raw.subarray(0, firstEnd < 0 ? Math.min(raw.length, 80) : firstEnd).toString('latin1');
  const match = /^([A-Z-]+)\/(\d+) ([0-9a-f]{64})$/.exec(first);
  if (firstEnd < 0 || !match || match[1] !== BACKUP_MAGIC) {
    throw new SyncBackupFormatError(`not a backup file of this module (it starts with ${JSON.stringify(first)})`);
  }
  if (Number(match[2]) !== BACKUP_FORMAT_VERSION) {
    throw new SyncBackupFormatError(
      `format version ${match[2]}, this module reads version ${BACKUP_FORMAT_VERSION} (written by another release?)`,
    );
  }
  const body = raw.subarray(firstEnd + 1);
  if (sha256(body) !== match[3]) throw new SyncBackupFormatError('checksum mismatch (truncated or altered)');
  const headEnd = body.indexOf(0x0a);
  if (headEnd < 0) throw new SyncBackupFormatError('no metadata line');
  let meta: SyncBackupMeta;
  try {
    meta = JSON.parse(body.subarray(0, headEnd).toString('utf8')) as SyncBackupMeta;
  } catch (error) {
    throw new SyncBackupFormatError(`unreadable metadata: ${(error as Error).message}`);
  }
  checkMeta(meta, namespace, tag, body.length - headEnd - 1);
  try {
    return { meta, data: JSON.parse(body.subarray(headEnd + 1).toString('utf8')) };
  } catch (error) {
    throw new SyncBackupFormatError(`unreadable payload: ${(error as Error).message}`);
  }
}

function checkMeta(meta: SyncBackupMeta, namespace: string, tag: string, bytes: number): void {
  if (typeof meta !== 'object' || meta === null) throw new SyncBackupFormatError('metadata is not an object');
  if (meta.namespace !== namespace || meta.tag !== tag) {
    throw new SyncBackupFormatError(
      `it belongs to ${JSON.stringify(meta.namespace)} / ${JSON.stringify(meta.tag)}, not ${JSON.stringify(namespace)} / ${JSON.stringify(tag)}`,
    );
  }
  if (!isSyncVersion(meta.version)) throw new SyncBackupFormatError(`invalid version ${JSON.stringify(meta.version)}`);
  for (const field of ['modifiedAt', 'checkedAt', 'savedAt'] as const) {
    if (!Number.isFinite(meta[field])) throw new SyncBackupFormatError(`invalid ${field}`);
  }
  if (meta.bytes !== bytes) throw new SyncBackupFormatError(`payload of ${bytes} bytes, metadata says ${meta.bytes}`);
}

/**
 * The file name of `tag`: letters, digits, `_` and `-` as they are, every other byte of its UTF-8 as `%XX`
 * (so `.`, `/`, `..` and control characters never reach the file system, and two tags never share a name);
 * a name longer than 150 characters is cut and gets a hash of the tag (`~` never appears in an encoded name).
 * A case-insensitive file system may still map two tags to one file: the tag stored inside tells them apart.
 */
export function backupFileName(tag: string): string {
  let encoded = '';
  for (const byte of Buffer.from(tag, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9_-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (encoded.length > 150) encoded = `${encoded.slice(0, 100)}~${sha256(Buffer.from(tag, 'utf8')).slice(0, 32)}`;
  return `${encoded}${BACKUP_EXTENSION}`;
}
