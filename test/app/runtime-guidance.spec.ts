import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Injectable, Module, type INestApplication, type Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DuplicateSyncModuleError,
  InvalidSyncOptionsError,
  MemorySyncLock,
  MemorySyncStore,
  SyncHealthIndicator,
  SyncModule,
  SyncService,
  SyncTasksNotRegisteredError,
  SyncTimeoutError,
  UnknownSyncTaskError,
  type SyncModuleOptions,
} from '../../lib/index.js';
import type { SyncLock } from '../../lib/backend/index.js';
import { CaptureLogger } from '../support/capture.logger.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { waitFor } from '../support/wait-for.js';

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

/** A source whose DATA answers after `ms`. */
function slowSource(ms: number): VersionedSource {
  const source = new VersionedSource();
  source.behaviour = (action) =>
    action === 'version' ? 1 : new Promise((resolve) => setTimeout(() => resolve({ after: ms }), ms));
  return source;
}

describe('runtime guidance for the usual mistakes', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  /** Compiles an app (not initialised yet) with its captured logs. */
  async function compile(imports: unknown[], providers: Provider[] = []) {
    const logs = new CaptureLogger();
    const moduleRef = await Test.createTestingModule({ imports: imports as never[], providers })
      .setLogger(logs)
      .compile();
    const app = moduleRef.createNestApplication({ logger: logs });
    apps.push(app);
    return { app, logs };
  }

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

  describe('reads before the tasks are registered', () => {
    it('getData in a provider constructor -> SyncTasksNotRegisteredError naming onModuleInit, onApplicationBootstrap, whenReady', async () => {
      let caught: unknown;
      @Injectable()
      class EagerReader {
        constructor(sync: SyncService) {
          try {
            sync.getData('t');
          } catch (error) {
            caught = error;
          }
        }
      }
      const { app } = await compile([SyncModule.forRoot({ interval: 1_000 })], [task(), EagerReader]);
      assert.ok(caught instanceof SyncTasksNotRegisteredError, `got ${String(caught)}`);
      assert.ok(caught instanceof UnknownSyncTaskError, 'still a kind of UnknownSyncTaskError');
      assert.match(caught.message, /Sync task 't' was read before SyncModule registered its tasks/);
      assert.match(caught.message, /registered at onModuleInit/);
      assert.match(caught.message, /onApplicationBootstrap/);
      assert.match(caught.message, /whenReady\(\)/);
      assert.doesNotMatch(caught.message, /decorate a method/);
      await app.init();
      await app.get(SyncService).whenReady(['t'], { timeout: 5_000 });
      assert.throws(() => app.get(SyncService).getData('nope'), /decorate a method of a provider/);
    });

    it('whenReady() before registration rejects the same way instead of resolving with no tasks', async () => {
      const { app } = await compile([SyncModule.forRoot({ interval: 1_000 })], [task()]);
      await assert.rejects(app.get(SyncService).whenReady(), SyncTasksNotRegisteredError);
    });
  });

  describe('health before the first successful check', () => {
    it('says "waiting for the first check" per task, and the last error once a check failed', async () => {
      const stalled = new VersionedSource();
      stalled.behaviour = () => new Promise(() => undefined);
      const failing = new VersionedSource();
      failing.behaviour = () => {
        throw new Error('source down: ECONNREFUSED');
      };
      const { app } = await compile(
        [SyncModule.forRoot({ interval: 1_000 })],
        [taskFor('stalled', stalled), taskFor('failing', failing), task('fine')],
      );
      await app.init();
      const sync = app.get(SyncService);
      await waitFor(() => sync.status().find((s) => s.tag === 'failing')!.consecutiveFailures > 0, 5_000, 'a failure');
      await sync.whenReady(['fine'], { timeout: 5_000 });
      const result = await app.get(SyncHealthIndicator).isHealthy('sync');
      const tasks = result.sync.tasks!;
      assert.equal(result.sync.status, 'down');
      assert.deepEqual(
        { ok: tasks.stalled.ok, reason: tasks.stalled.reason, consecutiveFailures: tasks.stalled.consecutiveFailures },
        { ok: false, reason: 'waiting for the first check', consecutiveFailures: 0 },
      );
      assert.equal(tasks.failing.ok, false);
      assert.match(tasks.failing.reason!, /"failing" failed on VERSION: source down: ECONNREFUSED/);
      assert.equal(tasks.fine.ok, true);
      assert.equal(tasks.fine.reason, undefined);
    });
  });

  describe('ready: { wait, timeout }', () => {
    it('is off by default: right after init a slow task has no data yet', async () => {
      const { app } = await compile([SyncModule.forRoot({ interval: 1_000 })], [taskFor('t', slowSource(150))]);
      await app.init();
      assert.equal(app.get(SyncService).getData('t'), undefined);
    });

    it('with wait: true, init resolves only once every task has data', async () => {
      const options = { interval: 1_000, ready: { wait: true, timeout: 5_000 } };
      const { app } = await compile([SyncModule.forRoot(options)], [taskFor('t', slowSource(150)), task('u')]);
      await app.init();
      assert.deepEqual(app.get(SyncService).getData('t'), { after: 150 });
      assert.ok(app.get(SyncService).getData('u'));
    });

    it('fails bootstrap with SyncTimeoutError naming the tasks still missing, and stops what it started', async () => {
      const stalled = new VersionedSource();
      stalled.behaviour = () => new Promise(() => undefined);
      const options = { interval: 1_000, ready: { wait: true, timeout: 200 } };
      const { app } = await compile([SyncModule.forRoot(options)], [taskFor('stalled', stalled), task('fine')]);
      const started = Date.now();
      await assert.rejects(app.init(), (error: unknown) => {
        assert.ok(error instanceof SyncTimeoutError);
        assert.match(error.message, /ready\.wait: sync tasks "stalled" had no data after 200 ms/);
        assert.doesNotMatch(error.message, /"fine"/);
        assert.match(error.message, /raise ready\.timeout/);
        return true;
      });
      assert.ok(Date.now() - started >= 190, 'waited for the timeout');
      assert.equal(app.get(SyncService).isLeader(), false, 'the lease was given back');
    });

    it('refuses a malformed ready option with InvalidSyncOptionsError naming it', async () => {
      for (const [ready, option] of [
        [{ wait: 'yes' }, 'ready.wait'],
        [{ wait: true, timeout: -1 }, 'ready.timeout'],
        [{ wiat: true }, 'ready.wiat'],
        [true, 'ready'],
      ] as const) {
        await assert.rejects(
          compile([SyncModule.forRoot({ interval: 1_000, ready: ready as never })]),
          (error: unknown) => error instanceof InvalidSyncOptionsError && error.option === option,
        );
      }
    });
  });
});
