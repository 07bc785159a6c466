import { Injectable, Optional } from '@nestjs/common';
import { filter, type Observable } from 'rxjs';
import { SyncTasksNotRegisteredError } from './sync.errors.js';
import { NOT_READY, NOT_REGISTERED_YET } from './sync.messages.js';
import type { SyncSnapshot, SyncTaskStatus, SyncVersion } from './interfaces/sync-task.interface.js';
import type { DeepReadonly } from './interfaces/deep-readonly.type.js';
import { type SyncTaskTag, type SyncTaskToken, tokenTag } from './sync-task.token.js';
import { SyncRegistry } from './sync.registry.js';
import { SyncLeaseKeeper } from './engine/lease.keeper.js';
import { SyncRefreshChannel } from './engine/refresh.channel.js';
import { SyncReplicaState } from './engine/replica.state.js';
import { whenReady } from './engine/ready.waiter.js';
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
 * deep-frozen unless the module was configured with `freeze: false`, and typed
 * `DeepReadonly` either way (one service type serves every module configuration).
 *
 * Every method takes a tag (`'flags'`) or a `defineSyncTask()` token (`Flags`); a token
 * types the data it returns. An unknown tag throws `UnknownSyncTaskError`; a read before
 * the module registered its tasks (in a constructor) `SyncTasksNotRegisteredError`.
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
  getData<T = unknown>(tag: SyncTaskTag<T>): DeepReadonly<T> | undefined {
    // `typeof` first: a string tag costs what it did before tokens, a token one property read.
    return this.state.entry(typeof tag === 'string' ? tag : (tag as SyncTaskToken).tag).snapshot?.data as
      DeepReadonly<T> | undefined;
  }

  /** The version that goes with `getData(tag)`. */
  getVersion(tag: SyncTaskTag): SyncVersion | undefined {
    return this.state.entry(typeof tag === 'string' ? tag : (tag as SyncTaskToken).tag).snapshot?.version;
  }

  /** When the current version was fetched (a fresh `Date` each call). */
  getLastModified(tag: SyncTaskTag): Date | undefined {
    const snapshot = this.state.entry(typeof tag === 'string' ? tag : (tag as SyncTaskToken).tag).snapshot;
    return snapshot && new Date(snapshot.modifiedAt.getTime());
  }

  /** Version, data and time in one consistent, frozen object. */
  getSnapshot<T = unknown>(tag: SyncTaskTag<T>): SyncSnapshot<DeepReadonly<T>> | undefined {
    return this.state.entry(typeof tag === 'string' ? tag : (tag as SyncTaskToken).tag).snapshot as
      SyncSnapshot<DeepReadonly<T>> | undefined;
  }

  /**
   * Checks `tag` now (on the leader: here, or by asking it through the store).
   * A failed check is recorded in `status()` and resolves with the last good snapshot.
   * @throws SyncTimeoutError when no leader answered in time.
   */
  refresh<T = unknown>(tag: SyncTaskTag<T>): Promise<SyncSnapshot<DeepReadonly<T>> | undefined> {
    return this.channel.refresh(tokenTag(tag)) as Promise<SyncSnapshot<DeepReadonly<T>> | undefined>;
  }

  /**
   * Resolves once every named task (default: all) has data.
   * @throws SyncTimeoutError naming the tasks still missing after `options.timeout`;
   *   SyncTasksNotRegisteredError when called before the module registered its tasks.
   */
  async whenReady(tags?: readonly SyncTaskTag[], options: SyncWhenReadyOptions = {}): Promise<void> {
    // Before discovery "every task" is none: resolving at once would be a lie.
    if (!this.registry.isComplete())
      throw new SyncTasksNotRegisteredError(NOT_REGISTERED_YET('whenReady() was called'));
    const names = tags ? tags.map(tokenTag) : this.registry.tags();
    await whenReady(this.state, names, options.timeout, NOT_READY);
  }

  /** New snapshots as they are installed in this process (of `tag`, or of every task). */
  changes<T = unknown>(tag?: SyncTaskTag<T>): Observable<SyncSnapshot<DeepReadonly<T>>> {
    const changes$ = this.state.changes$ as Observable<SyncSnapshot<DeepReadonly<T>>>;
    if (tag === undefined) return changes$;
    const name = this.state.entry(tokenTag(tag)).task.tag;
    return changes$.pipe(filter((snapshot) => snapshot.tag === name));
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
