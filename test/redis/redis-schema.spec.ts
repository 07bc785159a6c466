import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { defineSyncTask, SyncHealthIndicator, SyncService, SyncTask, type SyncAction } from '../../lib/index.js';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

const skip = await redisSkip();

const Flags = defineSyncTask('flags', { schema: z.object({ darkMode: z.boolean(), rollout: z.array(z.string()) }) });

@Injectable()
class FlagsSource {
  @SyncTask(Flags)
  fetch(action: SyncAction) {
    return action === 'version' ? 1 : { darkMode: false, rollout: ['eu'] };
  }
}

/** Deletes every key under `prefix` (SCAN, never FLUSH*). */
async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

describe('Redis: a record altered in the store that fails the schema', { skip, timeout: 30_000 }, () => {
  const keyPrefix = `vsync-test-${randomUUID()}`;
  const name = 'schema';
  // The layout RedisSyncStore uses (lib/backends/redis/redis-keys.ts): one hash per record, a namespace revision.
  const record = `${keyPrefix}:{${keyPrefix}:${name}}:record:flags`;
  const revision = `${keyPrefix}:{${keyPrefix}:${name}}:revision`;
  const apps: SyncTestApp[] = [];
  let admin: Redis;

  before(async () => {
    admin = new Redis(REDIS_URL);
    // The leader (first) checks once a minute, so only the test writes to Redis meanwhile.
    for (const interval of [60_000, 40]) {
      const options = { url: REDIS_URL, keyPrefix };
      const backends = { store: new RedisSyncStore(options), lock: new RedisSyncLock(options) };
      apps.push(await createSyncApp({ interval, leaseTtl: 3_000, name, ...backends }, [FlagsSource]));
      await apps.at(-1)!.app.get(SyncService).whenReady([Flags], { timeout: 5_000 });
    }
  });
  after(async () => {
    for (const { app } of apps.reverse()) await app.close();
    await deleteKeys(admin, keyPrefix);
    admin.disconnect();
  });

  it('is refused by the follower: last good data kept, reported in status() and health, read again once fixed', async () => {
    const [leader, follower] = apps.map(({ app }) => app.get(SyncService));
    assert.ok(leader.isLeader() && !follower.isLeader());
    const good = follower.getData(Flags);
    assert.deepEqual(good, { darkMode: false, rollout: ['eu'] });
    const stored = await admin.hgetall(record);
    assert.equal(stored.data, JSON.stringify(good), 'precondition: the record layout this test alters');

    // Valid JSON, announced as a newer write (revision moved), that only the schema can refuse.
    const tamper = async (version: string, data: unknown, at: number) => {
      await admin.hset(record, 'data', JSON.stringify(data), 'version', version, 'vtype', 's', 'revision', String(at));
      await admin.set(revision, String(at));
    };
    const base = Number(stored.revision) + 1_000;
    await tamper('tampered', { darkMode: 'yes', rollout: ['eu'] }, base);
    await waitFor(() => follower.status()[0].failures >= 3, 5_000, 'three refused reads of the altered record');
    const [status] = follower.status();
    assert.equal(status.lastError?.name, 'InvalidSyncResultError');
    assert.match(status.lastError!.message, /fails the task's schema \(1 issue: darkMode: .*boolean/);
    assert.equal(follower.getData(Flags), good, 'the same frozen replica, untouched');
    assert.equal(follower.getVersion(Flags), 1);
    const health = await apps[1].app.get(SyncHealthIndicator).isHealthy('sync', { tags: [Flags] });
    assert.match(health.sync.tasks!.flags.lastError!, /fails the task's schema/);

    await tamper('fixed', { darkMode: true, rollout: ['us'] }, base + 1);
    await waitFor(() => follower.getVersion(Flags) === 'fixed', 5_000, 'the valid record');
    assert.deepEqual(follower.getData(Flags), { darkMode: true, rollout: ['us'] });
    assert.equal(follower.status()[0].consecutiveFailures, 0);
  });
});
