/**
 * Cold start during a store outage, with real servers: a redis-server of the test's own, stopped while
 * an app restarts (and started again: the app joins without a restart), and a PostgreSQL that cannot be
 * reached (a closed port). Bad credentials still fail the bootstrap, backups or not.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { SyncConnectionError, SyncHealthIndicator, SyncService, type SyncModuleOptions } from '../../lib/index.js';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { PostgresSyncLock, PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { testPrefix } from '../redis/redis-test.util.js';
import { RedisServer } from '../support/redis.server.js';
import { redisServerSkip } from '../support/services.js';
import { freePort } from '../support/free-port.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { waitFor } from '../support/wait-for.js';
import { compileSyncApp, tempDir, writeBackup } from './backup.helpers.js';

type Health = { status: string; reason?: string; tasks: Record<string, { ok: boolean; origin?: string }> };

/** Boots an app and times app.init() → the first getData('t') answer (polled every ms from the start of init). */
async function coldStart(options: SyncModuleOptions, source: VersionedSource) {
  const { app, logs } = await compileSyncApp(options, [taskFor('t', source)]);
  const sync = app.get(SyncService);
  const start = performance.now();
  let firstAnswerMs: number | undefined;
  const poll = setInterval(() => {
    if (firstAnswerMs === undefined && sync.getData('t') !== undefined) firstAnswerMs = performance.now() - start;
  }, 1);
  await app.init();
  const initMs = performance.now() - start;
  if (firstAnswerMs === undefined && sync.getData('t') !== undefined) firstAnswerMs = performance.now() - start;
  clearInterval(poll);
  return { app, logs, sync, initMs, firstAnswerMs };
}

const health = async (app: INestApplication, options = {}) =>
  (await app.get(SyncHealthIndicator).isHealthy('sync', options)).sync as unknown as Health;

const skipRedisServer = await redisServerSkip();

describe('cold start during a store outage', { timeout: 60_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it(
    'Redis stopped: boots on the backup, serves it within 1 s, reports why, joins when Redis is back',
    { skip: skipRedisServer },
    async (t) => {
      const server = await RedisServer.start();
      cleanups.push(() => server.dispose());
      const dir = tempDir();
      cleanups.push(dir.remove);
      const keyPrefix = testPrefix();
      const options = (): SyncModuleOptions => {
        const backend = { url: server.url, keyPrefix, timeout: 500 };
        return {
          interval: 100,
          leaseTtl: 1_000,
          store: new RedisSyncStore(backend),
          lock: new RedisSyncLock(backend),
          backup: { dir: dir.path },
        };
      };
      const source = new VersionedSource();
      const first = await coldStart(options(), source);
      await first.sync.whenReady(undefined, { timeout: 5_000 });
      await waitFor(() => first.sync.status()[0].backup?.savedAt, 5_000, 'backup written');
      await first.app.close();

      await server.stop();
      source.version = 2; // the source moved meanwhile; nobody can check it while the lock is down
      const second = await coldStart(options(), source);
      cleanups.push(() => second.app.close());
      t.diagnostic(
        `app.init() ${second.initMs.toFixed(1)} ms; first getData answer ${second.firstAnswerMs?.toFixed(1)} ms`,
      );
      assert.ok(
        second.firstAnswerMs !== undefined && second.firstAnswerMs <= 1_000,
        `served within 1 s (${second.firstAnswerMs} ms)`,
      );
      assert.deepEqual(second.sync.getData('t'), { version: 1, items: ['item-1'] });
      assert.equal(second.sync.status()[0].origin, 'backup');
      assert.equal(second.logs.find('warn', 'unreachable at start').length, 1, 'the reason is logged');
      const down = await health(second.app);
      assert.equal(down.status, 'down');
      assert.match(down.reason ?? '', /unreachable since .*ECONNREFUSED/);
      assert.equal(down.tasks.t.origin, 'backup');
      const ready = await health(second.app, { acceptBackup: true, maxStaleness: 60_000 });
      assert.equal(ready.status, 'up', JSON.stringify(ready));

      await server.restart();
      const back = Date.now();
      await waitFor(
        () => second.sync.getVersion('t') === 2,
        10_000,
        'version 2 from the source once Redis is back',
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${second.logs.lines.map((l) => `${l.level}: ${l.message}`).join('\n')}`);
      });
      t.diagnostic(`joined and served version 2 ${Date.now() - back} ms after Redis came back`);
      assert.equal(second.sync.status()[0].origin, 'live');
      assert.equal(second.sync.isLeader(), true);
      await waitFor(async () => (await health(second.app)).status === 'up', 5_000, 'health up without acceptBackup');
      assert.equal(second.logs.find('log', 'joined without a restart').length, 1);
    },
  );

  it('PostgreSQL unreachable (closed port): boots on the backup within 1 s, health says origin backup', async (t) => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    writeBackup(dir.path, 't', { version: 'v9', data: { flags: ['a', 'b'] } });
    const backend = {
      connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/test`,
      connectTimeout: 1_000,
    };
    const app = await coldStart(
      {
        interval: 100,
        store: new PostgresSyncStore(backend),
        lock: new PostgresSyncLock(backend),
        backup: { dir: dir.path },
      },
      new VersionedSource(),
    );
    cleanups.push(() => app.app.close());
    t.diagnostic(`app.init() ${app.initMs.toFixed(1)} ms; first getData answer ${app.firstAnswerMs?.toFixed(1)} ms`);
    assert.ok(
      app.firstAnswerMs !== undefined && app.firstAnswerMs <= 1_000,
      `served within 1 s (${app.firstAnswerMs} ms)`,
    );
    assert.deepEqual(app.sync.getData('t'), { flags: ['a', 'b'] });
    assert.equal(app.sync.getVersion('t'), 'v9');
    const down = await health(app.app);
    assert.equal(down.tasks.t.origin, 'backup');
    assert.match(down.reason ?? '', /ECONNREFUSED/);
    assert.equal((await health(app.app, { acceptBackup: true, maxStaleness: 60_000 })).status, 'up');
  });

  it(
    'without backup, or with bad credentials, the bootstrap still fails at once',
    { skip: skipRedisServer },
    async () => {
      const server = await RedisServer.start({ password: 'right-secret' });
      cleanups.push(() => server.dispose());
      const dir = tempDir();
      cleanups.push(dir.remove);
      writeBackup(dir.path, 't', { version: 1, data: {} });
      const url = `redis://:wrong-secret@127.0.0.1:${server.port}`;
      const wrong = { url, keyPrefix: testPrefix(), timeout: 500 };
      const withBackup = await compileSyncApp(
        { interval: 100, store: new RedisSyncStore(wrong), lock: new RedisSyncLock(wrong), backup: { dir: dir.path } },
        [taskFor('t', new VersionedSource())],
      );
      await assert.rejects(
        withBackup.app.init(),
        (error: Error) => error instanceof SyncConnectionError && /WRONGPASS/.test(error.message),
      );
      await withBackup.app.close().catch(() => undefined);
      const closed = { url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: testPrefix(), timeout: 500 };
      const noBackup = await compileSyncApp(
        { interval: 100, store: new RedisSyncStore(closed), lock: new RedisSyncLock(closed) },
        [taskFor('t', new VersionedSource())],
      );
      await assert.rejects(noBackup.app.init(), SyncConnectionError);
      await noBackup.app.close().catch(() => undefined);
    },
  );
});
