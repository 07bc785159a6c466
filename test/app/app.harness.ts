import { type INestApplication, type Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CaptureLogger } from '../support/capture.logger.js';

/**
 * Nest apps for the specs of test/app that must act between compile and init (enable
 * shutdown hooks, catch a constructor's error, expect init to fail): `compile()` builds one
 * with captured logs and keeps it for `closeAll()`.
 */
export class AppHarness {
  private readonly apps: INestApplication[] = [];

  /** Compiles an app with `imports` and `providers`; not initialised yet. */
  async compile(
    imports: unknown[],
    providers: Provider[] = [],
  ): Promise<{ app: INestApplication; logs: CaptureLogger }> {
    const logs = new CaptureLogger();
    const moduleRef = await Test.createTestingModule({ imports: imports as never[], providers })
      .setLogger(logs)
      .compile();
    const app = moduleRef.createNestApplication({ logger: logs });
    this.apps.push(app);
    return { app, logs };
  }

  /** Closes every app compiled so far (for afterEach). */
  async closeAll(): Promise<void> {
    for (const app of this.apps.splice(0)) await app.close();
  }
}
