import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncHealthIndicator, SyncService } from '../../lib/index.js';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { redisSkip, redisServerSkip } from '../support/services.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { RedisServer } from '../support/redis.server.js';
import { testPrefix } from './redis-test.util.js';

const skip = (await redisSkip()) || (await redisServerSkip());

type Health = { status: string; reason?: string };

describe(
  "Redis outage: a redis-server of the test's own, stopped and restarted under two apps",
  { skip, timeout: 60_000 },
  () => {
    let server: RedisServer | undefined;
    const apps: SyncTestApp[] = [];
    after(async () => {
      for (const { app } of apps) await app.close();
      await server?.dispose();
    });

    it('readers serve throughout, health goes down then up, the sync resumes with no restart', async (t) => {
      server = await RedisServer.start();
      const source = new VersionedSource();
      const keyPrefix = testPrefix();
      for (let i = 0; i < 2; i++) {
        const options = { url: server.url, keyPrefix, timeout: 500 };
        apps.push(
          await createSyncApp(
            { interval: 100, leaseTtl: 1_000, store: new RedisSyncStore(options), lock: new RedisSyncLock(options) },
            [taskFor('t', source)],
          ),
        );
      }
      const services = apps.map(({ app }) => app.get(SyncService));
      const health = async (i: number) =>
        (await apps[i].app.get(SyncHealthIndicator).isHealthy()).sync as unknown as Health;
      await Promise.all(services.map((s) => s.whenReady(undefined, { timeout: 5_000 })));
      assert.equal((await health(0)).status, 'up');

      await server.stop();
      const downAt = Date.now();
      source.version = 2;
      let reads = 0;
      while (Date.now() - downAt < 2_000) {
        for (const sync of services) {
          assert.deepEqual(sync.getData('t'), { version: 1, items: ['item-1'] }, 'readers keep the last data');
          reads++;
        }
        await sleep(10);
      }
      const down = await Promise.all([health(0), health(1)]);
      for (const result of down) {
        assert.equal(result.status, 'down');
        assert.match(result.reason ?? '', /127\.0\.0\.1:\d+/, `the reason names the server: ${result.reason}`);
      }
      assert.equal(services.filter((s) => s.isLeader()).length, 0, 'no leader without the lock');

      await server.restart();
      const upAt = Date.now();
      await waitFor(() => services.every((s) => s.getVersion('t') === 2), 10_000, 'both apps at version 2');
      const resumed = Date.now() - upAt;
      await waitFor(() => services.filter((s) => s.isLeader()).length === 1, 5_000, 'one leader again');
      // Each app's own connections come back on their own backoff (at most 2 s apart).
      const until = Date.now() + 5_000;
      let up = await Promise.all([health(0), health(1)]);
      while (Date.now() < until && !up.every((h) => h.status === 'up')) {
        await sleep(100);
        up = await Promise.all([health(0), health(1)]);
      }
      assert.deepEqual(
        up.map((h) => h.status),
        ['up', 'up'],
        JSON.stringify(up),
      );
      source.version = 3;
      await waitFor(() => services.every((s) => s.getVersion('t') === 3), 5_000, 'both apps at version 3');
      t.diagnostic(`${reads} reads served during a 2 s outage; sync resumed ${resumed} ms after Redis came back`);
    });
  },
);
