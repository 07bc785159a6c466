/** A held lease. `fence` is the fencing token: it only grows across acquisitions of one name. */
export interface SyncLease {
  readonly name: string;
  readonly holder: string;
  readonly fence: number;
}

/** Who holds a lease now, as `SyncLock.current` reports it. */
export interface SyncLeaseInfo {
  readonly holder: string;
  readonly fence: number;
  /** ms left before the lease expires unless renewed, when the backend knows. */
  readonly ttlLeft?: number;
}

/**
 * Leader election: a lease per name with a TTL, renewed while held.
 *
 * Modelled on ShedLock's providers: `acquire` succeeds for one caller at a
 * time and only when nobody holds an unexpired lease; `renew` and `release`
 * act only for the holder (compare-and-act on the holder id). Each successful
 * `acquire` returns a fence strictly greater than every earlier one for that name.
 * `close()` closes only what the lock opened itself.
 */
export interface SyncLock {
  /**
   * Optional: checks the backend is reachable and ready, called once at bootstrap.
   * Rejects with a `SyncConnectionError` that says what to fix.
   */
  connect?(): Promise<void>;
  /** Takes the lease for `ttl` ms, or resolves `undefined` when someone holds it. */
  acquire(name: string, holder: string, ttl: number): Promise<SyncLease | undefined>;
  /** Extends a lease this holder still holds; `false` when it was lost (expired or taken). */
  renew(lease: SyncLease, ttl: number): Promise<boolean>;
  /** Gives the lease up; `false` when it was no longer held by this holder. */
  release(lease: SyncLease): Promise<boolean>;
  /** The current unexpired holder, if any. */
  current(name: string): Promise<SyncLeaseInfo | undefined>;
  /** Releases what the lock opened; called by the module at shutdown. */
  close(): Promise<void>;
}

/** Method names every lock must have; checked when the options are normalised. */
export const SYNC_LOCK_METHODS = [
  'acquire',
  'renew',
  'release',
  'current',
  'close',
] as const satisfies readonly (keyof SyncLock)[];
