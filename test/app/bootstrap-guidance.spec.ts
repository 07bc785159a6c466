import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import {
  DuplicateSyncModuleError,
  InvalidSyncOptionsError,
  MemorySyncLock,
  MemorySyncStore,
  SyncModule,
  SyncService,
  type SyncModuleOptions,
} from '../../lib/index.js';
import type { SyncLock } from '../../lib/backend/index.js';
import { CaptureLogger } from '../support/capture.logger.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { AppHarness } from './app.harness.js';

/** A lock shared "between processes" as far as the module can tell: not the in-memory default. */
function sharedLock(): SyncLock {
  const inner = new MemorySyncLock();
  return {
    acquire: (name, holder, ttl) => inner.acquire(name, holder, ttl),
    renew: (lease, ttl) => inner.renew(lease, ttl),
    release: (lease) => inner.release(lease),
    current: (name) => inner.current(name),
    close: () => inner.close(),
  };
}

describe('runtime guidance at bootstrap: shutdown hooks, one SyncModule, options where they belong', () => {
  const harness = new AppHarness();
  afterEach(() => harness.closeAll());
  const compile = harness.compile.bind(harness);

  const task = (tag = 't') => taskFor(tag, new VersionedSource());

  describe('shutdown hooks', () => {
    const warning = (logs: CaptureLogger) => logs.find('warn', 'app.enableShutdownHooks()');

    it('warns at bootstrap when a shared lock is configured and nothing listens for SIGTERM', async () => {
      assert.equal(process.listenerCount('SIGTERM'), 0, 'precondition: the test process has no SIGTERM listener');
      const options = { interval: 1_000, leaseTtl: 4_000, store: new MemorySyncStore(), lock: sharedLock() };
      const { app, logs } = await compile([SyncModule.forRoot(options)], [task()]);
      await app.init();
      const [line] = warning(logs);
      assert.ok(line, 'the warning is logged');
      assert.match(line.message, /no SIGTERM listener/);
      assert.match(line.message, /leaseTtl \(4000 ms\)/);
      assert.match(line.message, /before app\.listen\(\)/);
    });

    it('stays quiet once app.enableShutdownHooks() ran before bootstrap (Nest listens at that call)', async () => {
      const options = { interval: 1_000, store: new MemorySyncStore(), lock: sharedLock() };
      const { app, logs } = await compile([SyncModule.forRoot(options)], [task()]);
      app.enableShutdownHooks();
      await app.init();
      assert.deepEqual(warning(logs), []);
    });

    it('stays quiet with the in-memory lock (one process: no lease to leave behind)', async () => {
      const { app, logs } = await compile([SyncModule.forRoot({ interval: 1_000 })], [task()]);
      await app.init();
      assert.deepEqual(warning(logs), []);
    });
  });

  describe('SyncModule imported twice', () => {
    @Module({ imports: [SyncModule.forRoot({ interval: 1_000 })] })
    class FeatureA {}
    @Module({ imports: [SyncModule.forRoot({ interval: 1_000 })] })
    class FeatureB {}
    @Module({ imports: [SyncModule.forRoot({ interval: 1_000, name: 'other' })] })
    class FeatureC {}

    it('with the same name fails bootstrap with DuplicateSyncModuleError saying what to do', async () => {
      const { app } = await compile([FeatureA, FeatureB], [task()]);
      await assert.rejects(app.init(), (error: unknown) => {
        assert.ok(error instanceof DuplicateSyncModuleError);
        assert.match(error.message, /imported twice with the name "default"/);
        assert.match(error.message, /once, in the root module, with isGlobal: true/);
        return true;
      });
    });

    it('with different names starts', async () => {
      const { app } = await compile([FeatureA, FeatureC], [task()]);
      await app.init();
    });

    it('in two applications of one process, with the same name, starts both (the claim is per application)', async () => {
      for (let i = 0; i < 2; i++) await (await compile([FeatureA], [task()])).app.init();
    });
  });

  describe('module-level keys in a forRootAsync factory result', () => {
    const asyncWith = (options: object) =>
      SyncModule.forRootAsync({ useFactory: () => ({ interval: 1_000, ...options }) as SyncModuleOptions });

    for (const key of ['isGlobal', 'imports', 'inject']) {
      it(`${key} -> InvalidSyncOptionsError saying it belongs to forRootAsync itself`, async () => {
        await assert.rejects(compile([asyncWith({ [key]: key === 'isGlobal' ? true : [] })]), (error: unknown) => {
          assert.ok(error instanceof InvalidSyncOptionsError);
          assert.equal(error.option, key);
          assert.match(
            error.message,
            new RegExp(`"${key}" belongs to SyncModule\\.forRootAsync\\(\\{ ${key}, useFactory`),
          );
          return true;
        });
      });
    }

    it('an unknown option is refused without listing isGlobal among the known ones', async () => {
      await assert.rejects(compile([asyncWith({ intervall: 5 })]), (error: unknown) => {
        assert.ok(error instanceof InvalidSyncOptionsError);
        assert.match(error.message, /"intervall".*known ones are interval,/s);
        assert.doesNotMatch(error.message, /isGlobal/);
        return true;
      });
    });

    it('isGlobal where it belongs still works: forRoot({ isGlobal }) and forRootAsync({ isGlobal })', async () => {
      for (const root of [
        SyncModule.forRoot({ interval: 1_000, isGlobal: true }),
        SyncModule.forRootAsync({ isGlobal: true, useFactory: () => ({ interval: 1_000 }) }),
      ]) {
        @Injectable()
        class Reader {
          constructor(readonly sync: SyncService) {}
        }
        @Module({ providers: [Reader], exports: [Reader] })
        class Feature {}
        const { app } = await compile([root, Feature], [task()]);
        await app.init();
        assert.ok(app.get(Reader).sync instanceof SyncService, 'injected in a module that does not import SyncModule');
      }
    });
  });
});
