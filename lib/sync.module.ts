import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { SYNC_OPTIONS } from './sync.constants.js';
import { SyncHealthIndicator } from './health/sync.health.js';
import { ConfigurableSyncModule, SYNC_MODULE_OPTIONS } from './sync.module-definition.js';
import { normalizeSyncOptions } from './sync-options.normalizer.js';
import { SyncTaskChecker } from './engine/task.checker.js';
import { SyncReplicator } from './engine/replicator.js';
import { SyncLeaseKeeper } from './engine/lease.keeper.js';
import { SyncExplorer } from './sync.explorer.js';
import { SyncRegistry } from './sync.registry.js';
import { SyncEngine } from './engine/sync.engine.js';
import { SyncRefreshChannel } from './engine/refresh.channel.js';
import { SyncTaskRunner } from './engine/task.runner.js';
import { SyncService } from './sync.service.js';
import { SyncReplicaState } from './engine/replica.state.js';
import { SyncBackup } from './engine/backup/backup.service.js';
import { SyncBackupLoader } from './engine/backup/backup.loader.js';
import { SyncBackupWriter } from './engine/backup/backup.writer.js';
import { SyncStoreRejoin } from './engine/backup/backup.rejoin.js';
import { SyncTelemetry } from './engine/telemetry/sync.telemetry.js';
import { SyncFleetPublisher } from './engine/fleet/fleet.publisher.js';
import { SyncFleetReader } from './engine/fleet/fleet.reader.js';

/**
 * Keeps `@SyncTask` data fresh in every process: `SyncModule.forRoot({ interval })`
 * or `SyncModule.forRootAsync({ imports, useFactory, inject })`; `isGlobal: true`
 * makes `SyncService` and `SyncHealthIndicator` injectable everywhere.
 * Bad options fail bootstrap with `InvalidSyncOptionsError`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: SYNC_OPTIONS, useFactory: normalizeSyncOptions, inject: [SYNC_MODULE_OPTIONS] },
    // Terminus' helper has no dependencies; providing it here spares apps from importing TerminusModule.
    HealthIndicatorService,
    SyncRegistry,
    SyncReplicaState,
    SyncTelemetry,
    SyncExplorer,
    SyncLeaseKeeper,
    SyncReplicator,
    SyncTaskChecker,
    SyncTaskRunner,
    SyncRefreshChannel,
    SyncEngine,
    SyncFleetPublisher,
    SyncFleetReader,
    SyncService,
    SyncHealthIndicator,
    // backup: last-known-good snapshots on local disk, and starting on them during a store outage
    SyncBackupWriter,
    SyncBackupLoader,
    SyncStoreRejoin,
    SyncBackup,
  ],
  exports: [SyncService, SyncHealthIndicator],
})
export class SyncModule extends ConfigurableSyncModule {}
