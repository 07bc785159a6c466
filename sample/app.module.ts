import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SyncModule } from '../lib/index.js';
import { SyncStatusModule } from '../lib/status/index.js';
import { AppController } from './app.controller.js';
import { MetricsController, syncMeterProvider } from './metrics.controller.js';
import { PricesSource } from './prices.source.js';
import type { SampleBackend } from './backend.js';
import { BackendModule, SAMPLE_BACKEND } from './backend.module.js';

/**
 * The sample app: one task, in memory unless SYNC_REDIS_URL, SYNC_REDIS_CLUSTER, SYNC_POSTGRES_URL or
 * SYNC_SQLITE_PATH is set; Prometheus metrics at GET /metrics, the status page at GET /sync/status.
 */
@Module({
  imports: [
    TerminusModule.forRoot(),
    SyncModule.forRootAsync({
      imports: [BackendModule],
      inject: [SAMPLE_BACKEND],
      useFactory: (backend: SampleBackend) => ({
        interval: Number(process.env.SYNC_INTERVAL_MS ?? 1_000),
        name: 'sample',
        telemetry: { meterProvider: syncMeterProvider },
        ...backend.options,
      }),
    }),
    // Unguarded: a demo on 127.0.0.1. In a real app pass `guard` (see the README's Observability section).
    SyncStatusModule.register({ path: 'sync/status' }),
  ],
  controllers: [AppController, MetricsController],
  providers: [PricesSource],
})
export class AppModule {}
