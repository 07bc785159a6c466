import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createBackend, type SampleBackend } from './backend.js';

/** Token of the `SampleBackend` this module provides. */
export const SAMPLE_BACKEND = Symbol('SAMPLE_BACKEND');

/** Closes the clients the backend opened, after SyncModule has released its lease. */
@Injectable()
class BackendCloser implements OnApplicationShutdown {
  constructor(@Inject(SAMPLE_BACKEND) private readonly backend: SampleBackend) {}

  onApplicationShutdown(): Promise<void> {
    return this.backend.close();
  }
}

/**
 * Provides the store and lock for `SyncModule.forRootAsync({ imports: [BackendModule], inject: [SAMPLE_BACKEND] })`:
 * the pattern for an app that creates its own Redis or pg clients and must close them.
 */
@Module({
  providers: [{ provide: SAMPLE_BACKEND, useFactory: () => createBackend() }, BackendCloser],
  exports: [SAMPLE_BACKEND],
})
export class BackendModule {}
