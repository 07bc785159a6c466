import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SyncModuleOptions } from './interfaces/sync-options.interface.js';

/** `forRoot` / `forRootAsync` with an `isGlobal` extra, built the way @nestjs packages build theirs. */
export const {
  ConfigurableModuleClass: ConfigurableSyncModule,
  MODULE_OPTIONS_TOKEN: SYNC_MODULE_OPTIONS,
  OPTIONS_TYPE: SYNC_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SYNC_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SyncModuleOptions>({ moduleName: 'Sync' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
