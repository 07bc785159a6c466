import { Injectable, Optional } from '@nestjs/common';
import { filter, firstValueFrom, type Observable, timeout as rxTimeout, catchError, throwError } from 'rxjs';
import { SyncTimeoutError } from './sync.errors.js';
import { NOT_READY } from './sync.messages.js';
import type { SyncSnapshot, SyncTaskStatus, SyncVersion } from './interfaces/sync-task.interface.js';
import { SyncRegistry } from './sync.registry.js';
import { SyncLeaseKeeper } from './engine/lease.keeper.js';
import { SyncRefreshChannel } from './engine/refresh.channel.js';
import { SyncReplicaState } from './engine/replica.state.js';
import { SyncFleetReader } from './engine/fleet/fleet.reader.js';
import type { SyncFleetInstance } from './engine/fleet/fleet.types.js';

/** Options of `SyncService.whenReady()`. */
export interface SyncWhenReadyOptions {
  /** ms to wait before rejecting with `SyncTimeoutError`; default: wait as long as it takes. */
  timeout?: number;
}

/**
 * The read API. Every getter is synchronous and local: it returns this
 * process's replica (a `Map` lookup), never touching the network. The data is
 * deep-frozen unless the module was configured with `freeze: false`.
 * An unknown tag throws `UnknownSyncTaskError`.
 */
@Injectable()
export class SyncService {
  constructor(
    private readonly state: SyncReplicaState,
    private readonly registry: SyncRegistry,
    private readonly keeper: SyncLeaseKeeper,
    private readonly channel: SyncRefreshChannel,
    @Optional() private readonly fleetReader?: SyncFleetReader,
  ) {}

  /** The current data of `tag`, or `undefined` before the first successful check. */
  getData<T = unknown>(tag: string): T | undefined {
    return this.state.entry(tag).snapshot?.data as T | undefined;
  }

  /** The version that goes with `getData(tag)`. */
  getVersion(tag: string): SyncVersion | undefined {
    return this.state.entry(tag).snapshot?.version;
  }

  /** When the current version was fetched (a fresh `Date` each call). */
  getLastModified(tag: string): Date | undefined {
    const snapshot = this.state.entry(tag).snapshot;
    return snapshot && new Date(snapshot.modifiedAt.getTime());
  }

  /** Version, data and time in one consistent, frozen object. */
  getSnapshot<T = unknown>(tag: string): SyncSnapshot<T> | undefined {
    return this.state.entry(tag).snapshot as SyncSnapshot<T> | undefined;
  }

  /**
   * Checks `tag` now (on the leader: here, or by asking it through the store).
   * A failed check is recorded in `status()` and resolves with the last good snapshot.
   * @throws SyncTimeoutError when no leader answered in time.
   */
  refresh<T = unknown>(tag: string): Promise<SyncSnapshot<T> | undefined> {
    return this.channel.refresh(tag) as Promise<SyncSnapshot<T> | undefined>;
  }

  /** Resolves once every named task (default: all) has data. */
  async whenReady(tags: readonly string[] = this.registry.tags(), options: SyncWhenReadyOptions = {}): Promise<void> {
    const missing = new Set(tags.filter((tag) => this.state.entry(tag).snapshot === undefined));
    if (missing.size === 0) return;
    let ready$ = this.state.changes$.pipe(filter((snapshot) => missing.delete(snapshot.tag) && missing.size === 0));
    if (options.timeout !== undefined) {
      const ms = options.timeout;
      ready$ = ready$.pipe(
        rxTimeout(ms),
        catchError(() => throwError(() => new SyncTimeoutError(NOT_READY([...missing], ms)))),
      );
    }
    await firstValueFrom(ready$);
  }

  /** New snapshots as they are installed in this process (of `tag`, or of every task). */
  changes<T = unknown>(tag?: string): Observable<SyncSnapshot<T>> {
    if (tag !== undefined) this.state.entry(tag);
    const changes$ = this.state.changes$ as Observable<SyncSnapshot<T>>;
    return tag === undefined ? changes$ : changes$.pipe(filter((snapshot) => snapshot.tag === tag));
  }

  /** Every task as this process sees it, in registration order. */
  status(): SyncTaskStatus[] {
    return this.state.status();
  }

  /** Whether this process holds the lease and runs the callbacks. */
  isLeader(): boolean {
    return this.keeper.isLeader();
  }

  /**
   * Every live instance of the namespace, from any instance: whether it leads and, per task, the version it
   * serves, its origin, when it installed it, and whether it lags. From the heartbeats in the store (one round
   * trip); with a store that has no heartbeat methods, only this process.
   */
  async fleet(): Promise<SyncFleetInstance[]> {
    return this.fleetReader ? this.fleetReader.fleet() : [];
  }
}
