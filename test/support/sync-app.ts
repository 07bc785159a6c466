import 'reflect-metadata';
import type { INestApplication, ModuleMetadata, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SyncModule, type SyncModuleOptions } from '../../lib/index.js';
import { CaptureLogger } from './capture.logger.js';

/** A booted test app with its captured logs. */
export interface SyncTestApp {
  app: INestApplication;
  logs: CaptureLogger;
}

/** Boots a real Nest app with `SyncModule.forRoot(options)` and the given providers/controllers. */
export async function createSyncApp(
  options: SyncModuleOptions,
  providers: Provider[],
  extra: Pick<ModuleMetadata, 'controllers' | 'imports'> = {},
): Promise<SyncTestApp> {
  const logs = new CaptureLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [SyncModule.forRoot(options), ...(extra.imports ?? [])],
    providers,
    controllers: extra.controllers ?? [],
  })
    .setLogger(logs)
    .compile();
  const app = moduleRef.createNestApplication({ logger: logs });
  await app.init();
  return { app, logs };
}
