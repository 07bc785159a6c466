import { EventEmitter } from 'node:events';
import type {
  StoredSyncRecord,
  SyncRecord,
  SyncRecordHead,
  SyncStore,
  SyncStoreEvent,
  SyncSubscription,
  SyncTouch,
  SyncTouchResult,
  SyncWriteResult,
} from '../../backend/sync-store.interface.js';
import type { SyncVersion } from '../../backend/sync-version.js';
import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import { MemoryHeartbeats } from './memory-heartbeat.js';

interface Namespace {
  revision: number;
  readonly records: Map<string, StoredSyncRecord>;
  readonly events: EventEmitter;
}

/** `touch` on one record, shared by `touch` and `touchMany` so both judge alike. */
function touchRecord(
  current: StoredSyncRecord | undefined,
  version: SyncVersion,
  checkedAt: number,
  fence: number,
): SyncTouchResult {
  if (!current) return 'absent';
  if (fence < current.fence) return 'fenced';
  if (current.version !== version) return 'absent';
  current.checkedAt = checkedAt;
  current.fence = fence;
  return 'touched';
}

/**
 * The embedded default store: snapshots in this process's memory.
 *
 * Data is kept by reference (no encoding), so a store shared by several
 * `SyncModule` apps of one process hands them the same object. Events are
 * delivered asynchronously, as a remote store's would be.
 */
export class MemorySyncStore implements SyncStore {
  private readonly namespaces = new Map<string, Namespace>();

  async read<T = unknown>(namespace: string, tag: string): Promise<StoredSyncRecord<T> | undefined> {
    const record = this.space(namespace).records.get(tag);
    return record && ({ ...record } as StoredSyncRecord<T>);
  }

  async write(namespace: string, record: SyncRecord): Promise<SyncWriteResult> {
    const space = this.space(namespace);
    const current = space.records.get(record.tag);
    if (current && record.fence < current.fence) {
      return { accepted: false, fence: current.fence };
    }
    const revision = ++space.revision;
    const { trace, ...stored } = record;
    space.records.set(record.tag, { ...stored, revision });
    const event = { type: 'change', tag: record.tag, version: record.version, revision } as const;
    this.emit(space, trace ? { ...event, trace } : event);
    return { accepted: true, revision };
  }

  async touch(
    namespace: string,
    tag: string,
    version: SyncVersion,
    checkedAt: number,
    fence: number,
  ): Promise<SyncTouchResult> {
    return touchRecord(this.space(namespace).records.get(tag), version, checkedAt, fence);
  }

  async touchMany(namespace: string, touches: readonly SyncTouch[], fence: number): Promise<SyncTouchResult[]> {
    const { records } = this.space(namespace);
    return touches.map((t) => touchRecord(records.get(t.tag), t.version, t.checkedAt, fence));
  }

  async revision(namespace: string): Promise<number> {
    return this.space(namespace).revision;
  }

  async heads(namespace: string): Promise<Map<string, SyncRecordHead>> {
    const heads = new Map<string, SyncRecordHead>();
    for (const [tag, { data: _data, ...head }] of this.space(namespace).records) heads.set(tag, head);
    return heads;
  }

  async publish(namespace: string, event: SyncStoreEvent): Promise<void> {
    this.emit(this.space(namespace), event);
  }

  async subscribe(namespace: string, listener: (event: SyncStoreEvent) => void): Promise<SyncSubscription> {
    const { events } = this.space(namespace);
    events.on('event', listener);
    return { unsubscribe: async () => void events.off('event', listener) };
  }

  /** Nothing to release: the records may still be read by other apps sharing this store. */
  async close(): Promise<void> {}

  private readonly heartbeats = new MemoryHeartbeats();

  async heartbeat(namespace: string, beat: SyncHeartbeat, ttlMs: number): Promise<void> {
    this.heartbeats.beat(namespace, beat, ttlMs);
  }

  async renewHeartbeat(namespace: string, instance: string, ttlMs: number): Promise<boolean> {
    return this.heartbeats.renew(namespace, instance, ttlMs);
  }

  async instances(namespace: string): Promise<SyncHeartbeat[]> {
    return this.heartbeats.instances(namespace);
  }

  async leave(namespace: string, instance: string): Promise<void> {
    this.heartbeats.leave(namespace, instance);
  }

  private space(namespace: string): Namespace {
    let space = this.namespaces.get(namespace);
    if (!space) {
      const events = new EventEmitter();
      // One listener per app sharing the store; no leak warning for many apps in one test process.
      events.setMaxListeners(0);
      space = { revision: 0, records: new Map(), events };
      this.namespaces.set(namespace, space);
    }
    return space;
  }

  private emit(space: Namespace, event: SyncStoreEvent): void {
    setImmediate(() => space.events.emit('event', event));
  }
}
