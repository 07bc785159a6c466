import type { SyncVersion } from '../backend/sync-version.js';
import type { SyncRecordHead } from '../backend/sync-store.interface.js';
import { SyncError } from '../sync.errors.js';
import { CORRUPT_RECORD } from '../sync.messages.js';

/** A valid version: a non-empty string or a finite number. */
export function isSyncVersion(value: unknown): value is SyncVersion {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
}

const NUMERIC = ['revision', 'fence', 'modifiedAt', 'checkedAt'] as const;

/**
 * Checks what a store returned before it reaches a replica: a record changed behind
 * the module's back (a wrong type in a field, a non-numeric fence) must fail loudly
 * with the tag, not slip in as NaN, which every later comparison would get wrong.
 * @throws SyncError naming the tag, the field and the value.
 */
export function checkRecordHead(tag: string, head: Omit<SyncRecordHead, 'tag'>): void {
  if (!isSyncVersion(head.version)) throw new SyncError(CORRUPT_RECORD(tag, 'version', head.version), { tag });
  for (const field of NUMERIC) {
    if (!Number.isFinite(head[field])) throw new SyncError(CORRUPT_RECORD(tag, field, head[field]), { tag });
  }
}
