import { Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  EMPTY,
  catchError,
  distinctUntilChanged,
  exhaustMap,
  from,
  map,
  merge,
  type Observable,
  shareReplay,
  Subject,
  takeUntil,
  timer,
} from 'rxjs';
import { SYNC_OPTIONS } from '../sync.constants.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import { SyncService } from '../sync.service.js';
import { backendName } from '../engine/telemetry/sync.telemetry.js';
import { snapshotKey, type SyncStatusSnapshot } from './status.snapshot.js';

/** ms the page's data may lag another instance's change at most (besides that instance's own beat). */
const MAX_POLL = 1_000;

/**
 * Builds the status snapshot and streams it: one stream per app, shared by every open page,
 * that rebuilds the snapshot when this process installs a version and otherwise every
 * min(interval, 1 s) (other instances' changes arrive through their heartbeats), and emits
 * only when something changed. Finds the app's `SyncModule` wherever it was imported.
 */
@Injectable()
export class SyncStatusFeed implements OnModuleInit, BeforeApplicationShutdown {
  private sync!: SyncService;
  private options!: NormalizedSyncOptions;
  private readonly closing$ = new Subject<void>();
  /** Snapshots as they change; the latest is replayed to each new page. */
  snapshots$!: Observable<SyncStatusSnapshot>;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.sync = this.moduleRef.get(SyncService, { strict: false });
    this.options = this.moduleRef.get<NormalizedSyncOptions>(SYNC_OPTIONS, { strict: false });
    const period = Math.min(this.options.interval, MAX_POLL);
    this.snapshots$ = merge(timer(0, period), this.sync.changes()).pipe(
      exhaustMap(() => from(this.snapshot()).pipe(catchError(() => EMPTY))),
      distinctUntilChanged((a, b) => snapshotKey(a) === snapshotKey(b)),
      takeUntil(this.closing$),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
  }

  /** Ends every open stream, so open pages do not hold the HTTP server open at shutdown. */
  beforeApplicationShutdown(): void {
    this.closing$.next();
  }

  /** The status now: tasks from this process, the lease from the lock, the fleet from the heartbeats. */
  async snapshot(): Promise<SyncStatusSnapshot> {
    const { lock, name, store } = this.options;
    const [fleet, lease] = await Promise.all([this.sync.fleet(), lock.current(name).catch(() => undefined)]);
    const iso = (date: Date | undefined) => date?.toISOString();
    return {
      namespace: name,
      backend: backendName(store),
      lease: lease ? { holder: lease.holder, fence: lease.fence } : null,
      tasks: this.sync.status().map((task) => ({
        tag: task.tag,
        version: task.version,
        modifiedAt: iso(task.modifiedAt),
        lastCheckedAt: iso(task.lastCheckedAt),
        interval: task.interval,
        failures: task.failures,
        consecutiveFailures: task.consecutiveFailures,
        lastError: task.lastError && { name: task.lastError.name, at: task.lastError.at.toISOString() },
      })),
      fleet: fleet.map((instance) => ({
        ...instance,
        startedAt: instance.startedAt.toISOString(),
        seenAt: instance.seenAt.toISOString(),
        tasks: instance.tasks.map((task) => ({ ...task, installedAt: iso(task.installedAt) })),
      })),
      generatedAt: new Date().toISOString(),
    };
  }

  /** The stream as server-sent events. */
  events(): Observable<{ data: SyncStatusSnapshot }> {
    return this.snapshots$.pipe(map((data) => ({ data })));
  }
}
