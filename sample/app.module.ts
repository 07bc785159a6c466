import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SyncModule } from '../lib/index.js';
import { AppController } from './app.controller.js';
import { PricesSource } from './prices.source.js';
import { backendOptions } from './backend.js';

/** The sample app: one task, in memory unless SYNC_REDIS_URL / SYNC_POSTGRES_URL is set. */
@Module({
  imports: [
    TerminusModule.forRoot(),
    SyncModule.forRootAsync({
      useFactory: async () => ({
        interval: Number(process.env.SYNC_INTERVAL_MS ?? 1_000),
        name: 'sample',
        ...(await backendOptions()),
      }),
    }),
  ],
  controllers: [AppController],
  providers: [PricesSource],
})
export class AppModule {}
