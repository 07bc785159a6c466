import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import {
  InvalidSyncOptionsError,
  SyncHealthIndicator,
  SyncModule,
  SyncService,
  SyncTasksNotRegisteredError,
  SyncTimeoutError,
  UnknownSyncTaskError,
} from '../../lib/index.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { waitFor } from '../support/wait-for.js';
import { AppHarness } from './app.harness.js';

/** A source whose DATA answers after `ms`. */
function slowSource(ms: number): VersionedSource {
  const source = new VersionedSource();
  source.behaviour = (action) =>
    action === 'version' ? 1 : new Promise((resolve) => setTimeout(() => resolve({ after: ms }), ms));
  return source;
}

describe('runtime guidance before the first data: early reads, health reasons, ready.wait', () => {
  const harness = new AppHarness();
  afterEach(() => harness.closeAll());
  const compile = harness.compile.bind(harness);
  const task = (tag = 't') => taskFor(tag, new VersionedSource());

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
