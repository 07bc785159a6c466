import type { SyncVersion } from './sync-version.js';
import type { SyncHeartbeat } from './sync-heartbeat.interface.js';

/** What the leader writes for a task: one atomic snapshot. Times are epoch ms. */
export interface SyncRecord<T = unknown> {
  tag: string;
  version: SyncVersion;
  data: T;
  modifiedAt: number;
  checkedAt: number;
  /** Fencing token of the lease under which the record was written. */
  fence: number;
  /** W3C traceparent of the leader's check, when traced: the store puts it in the change event (not stored). */
  trace?: string;
}

/** A record as the store holds it, with the revision the store gave it. */
export interface StoredSyncRecord<T = unknown> extends SyncRecord<T> {
  /** Namespace-wide change counter at the time of this write; only grows. */
  revision: number;
}

/** The cheap part of a record: everything but the data. */
export type SyncRecordHead = Omit<StoredSyncRecord, 'data'>;

/** Result of `SyncStore.write`. */
export type SyncWriteResult =
  { readonly accepted: true; readonly revision: number } | { readonly accepted: false; readonly fence: number };

/**
 * Result of `SyncStore.touch`: `touched` (check time recorded), `fenced` (the stored
 * fence is newer: another process leads), or `absent` (no record, or one holding
 * another version: the caller must write the snapshot instead).
 */
export type SyncTouchResult = 'touched' | 'fenced' | 'absent';

/** One unchanged check in a `SyncStore.touchMany` batch. */
export interface SyncTouch {
  readonly tag: string;
  readonly version: SyncVersion;
  readonly checkedAt: number;
}

/** Messages carried on a namespace's channel. */
export type SyncStoreEvent =
  /** A snapshot was written (published by the store itself, in the same step as the write). */
  | {
      readonly type: 'change';
      readonly tag: string;
      readonly version: SyncVersion;
      readonly revision: number;
      /** The writer's `record.trace`, if any: links a follower's install span to the leader's check. */
      readonly trace?: string;
      /**
       * The whole record, decoded, when the store sent a small snapshot with the notification
       * (each backend says up to what size). A follower installs it without a read, under the
       * same rule as a read record: only if `revision` is newer than its replica.
       */
      readonly record?: StoredSyncRecord;
    }
  /** A follower asks the leader to check `tag` now. */
  | { readonly type: 'refresh'; readonly tag: string; readonly id: string }
  /** The leader answers a `refresh`; `revision` is the record's after the check. */
  | { readonly type: 'refreshed'; readonly tag: string; readonly id: string; readonly revision?: number }
  /** A leader released its lease cleanly: followers may try to acquire now. */
  | { readonly type: 'released'; readonly holder: string };

/** Handle returned by `SyncStore.subscribe`. */
export interface SyncSubscription {
  unsubscribe(): Promise<void>;
}

/**
 * Where snapshots live, shared by every process of a namespace.
 *
 * All methods are async so that a remote backend fits; each must be one
 * round trip where the backend allows it. A store refuses a `write` or
 * `touch` whose fence is lower than the highest fence it accepted for that
 * tag, so a paused ex-leader can never overwrite newer data.
 * `close()` closes only what the store opened itself, never a client passed in.
 */
export interface SyncStore {
  /**
   * Optional: checks the backend is reachable and ready (creating its schema if it does that),
   * called once at bootstrap. Rejects with a `SyncConnectionError` that says what to fix.
   */
  connect?(): Promise<void>;
  /** The whole record of `tag`, all or nothing; `undefined` if none was written. */
  read<T = unknown>(namespace: string, tag: string): Promise<StoredSyncRecord<T> | undefined>;
  /** Writes a full snapshot unless `record.fence` is older than the stored one; publishes `change`. */
  write(namespace: string, record: SyncRecord): Promise<SyncWriteResult>;
  /**
   * Records a check that found `version` unchanged: sets `checkedAt` and raises the fence,
   * only if the stored record holds that very version (same value and type) and an older
   * or equal fence. One round trip; no change event, no revision bump.
   */
  touch(
    namespace: string,
    tag: string,
    version: SyncVersion,
    checkedAt: number,
    fence: number,
  ): Promise<SyncTouchResult>;
  /**
   * Optional: `touch` for every check of `touches` (distinct tags) under one `fence`, in one
   * round trip (one script, statement or transaction), each judged as `touch` would judge it
   * alone; results in the order of `touches`. The leader batches a tick's unchanged checks
   * through it when the store has it, and calls `touch` once per check otherwise.
   */
  touchMany?(namespace: string, touches: readonly SyncTouch[], fence: number): Promise<SyncTouchResult[]>;
  /** The namespace-wide change counter: one cheap read tells a follower whether anything changed. */
  revision(namespace: string): Promise<number>;
  /** Heads of every record of the namespace, in one round trip. */
  heads(namespace: string): Promise<Map<string, SyncRecordHead>>;
  /** Sends an event on the namespace's channel to every subscriber (this process included). */
  publish(namespace: string, event: SyncStoreEvent): Promise<void>;
  /** Delivers the namespace's events to `listener` until unsubscribed. */
  subscribe(namespace: string, listener: (event: SyncStoreEvent) => void): Promise<SyncSubscription>;
  /** Releases what the store opened; called by the module at shutdown. */
  close(): Promise<void>;
  /**
   * Optional (the fleet view): stores this process's heartbeat under `beat.instance`, replacing its previous one,
   * kept for `ttlMs` unless renewed; one small write. A store without it still works: `fleet()` then lists only
   * the calling process.
   */
  heartbeat?(namespace: string, beat: SyncHeartbeat, ttlMs: number): Promise<void>;
  /**
   * Optional, with `heartbeat`: extends this instance's beat by `ttlMs` without resending it; false if it had
   * expired or is unknown (the caller then sends a full beat). One cheap write.
   */
  renewHeartbeat?(namespace: string, instance: string, ttlMs: number): Promise<boolean>;
  /** Optional, with `heartbeat`: every heartbeat of the namespace that has not expired, in one round trip. */
  instances?(namespace: string): Promise<SyncHeartbeat[]>;
  /** Optional, with `heartbeat`: removes one (a clean shutdown), so the process leaves the fleet at once. */
  leave?(namespace: string, instance: string): Promise<void>;
}

/** Method names every store must have; checked when the options are normalised. */
export const SYNC_STORE_METHODS = [
  'read',
  'write',
  'touch',
  'revision',
  'heads',
  'publish',
  'subscribe',
  'close',
] as const satisfies readonly (keyof SyncStore)[];
