import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SyncModule } from '../lib/index.js';
import { AppController } from './app.controller.js';
import { PricesSource } from './prices.source.js';
import type { SampleBackend } from './backend.js';
import { BackendModule, SAMPLE_BACKEND } from './backend.module.js';

/** The sample app: one task, in memory unless SYNC_REDIS_URL, SYNC_REDIS_CLUSTER or SYNC_POSTGRES_URL is set. */
@Module({
  imports: [
    TerminusModule.forRoot(),
    SyncModule.forRootAsync({
      imports: [BackendModule],
      inject: [SAMPLE_BACKEND],
      useFactory: (backend: SampleBackend) => ({
        interval: Number(process.env.SYNC_INTERVAL_MS ?? 1_000),
        name: 'sample',
        ...backend.options,
      }),
    }),
  ],
  controllers: [AppController],
  providers: [PricesSource],
})
export class AppModule {}
