import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import type { SyncStore } from '../../lib/backend/index.js';
import { SyncService } from '../../lib/index.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { createSyncApp } from '../support/sync-app.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { waitFor } from '../support/wait-for.js';
import { deleteKeys, testPrefix } from './redis-test.util.js';

const skip = await redisSkip();

/** `store` with its `read` calls counted: a follower that installs a pushed record makes none. */
function countingReads(store: SyncStore): { store: SyncStore; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(store, {
    get(target, key) {
      if (key === 'read') return (...args: Parameters<SyncStore['read']>) => (reads++, target.read(...args));
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, reads: () => reads };
}

describe('Redis: small changes reach followers with their data', { skip }, () => {
  const keyPrefix = testPrefix();
  const name = `inline-${randomUUID()}`;
  const small = new VersionedSource();
  const large = new VersionedSource();
  large.behaviour = (action) =>
    action === 'version' ? large.version : { version: large.version, pad: 'x'.repeat(8_000) };
  const apps: INestApplication[] = [];
  const counter = countingReads(new RedisSyncStore({ url: REDIS_URL, keyPrefix }));
  const probe = new RedisSyncStore({ url: REDIS_URL, keyPrefix });
  const admin = new Redis(REDIS_URL);
  let leader: SyncService;
  let follower: SyncService;

  before(async () => {
    // A long interval: no reconcile between a change and the assertions, only the change event.
    const options = { interval: 30_000, name };
    const tasks = [taskFor('small', small), taskFor('large', large)];
    const lock = () => new RedisSyncLock({ url: REDIS_URL, keyPrefix });
    const first = await createSyncApp(
      { ...options, store: new RedisSyncStore({ url: REDIS_URL, keyPrefix }), lock: lock() },
      tasks,
    );
    apps.push(first.app);
    leader = first.app.get(SyncService);
    await waitFor(() => leader.isLeader(), 5_000, 'the first app to lead');
    const second = await createSyncApp({ ...options, store: counter.store, lock: lock() }, tasks);
    apps.push(second.app);
    follower = second.app.get(SyncService);
    await follower.whenReady();
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await probe.close();
    await admin.quit();
    await deleteKeys(REDIS_URL, keyPrefix);
  });

  it('installs a small change from its event without a read, and reads a large one', async () => {
    assert.equal(follower.isLeader(), false);
    const reads = counter.reads();
    small.version = 2;
    await leader.refresh('small');
    await waitFor(() => follower.getVersion('small') === 2, 5_000, 'the follower at small v2');
    assert.deepEqual(follower.getData('small'), { version: 2, items: ['item-2'] });
    assert.equal(counter.reads(), reads, 'no read for a small change');
    large.version = 2;
    await leader.refresh('large');
    await waitFor(() => follower.getVersion('large') === 2, 5_000, 'the follower at large v2');
    assert.equal(counter.reads(), reads + 1, 'one read for a change over inlineMaxBytes');
  });

  it('never installs an older record that arrives with a late event', async () => {
    small.version = 3;
    await leader.refresh('small');
    const older = await probe.read(name, 'small');
    small.version = 4;
    await leader.refresh('small');
    await waitFor(() => follower.getVersion('small') === 4, 5_000, 'the follower at small v4');
    assert.ok(older);
    // The event of v3 delivered again, late, exactly as the write script publishes it.
    const { tag, version, revision, modifiedAt, checkedAt, fence, data } = older;
    const late = JSON.stringify({
      type: 'change',
      tag,
      version,
      inline: { modifiedAt, checkedAt, fence, data },
      revision,
    });
    const channel = `${keyPrefix}:{${keyPrefix}:${name}}:events`;
    assert.equal(await admin.publish(channel, late), 2, 'both apps subscribe');
    await sleep(200);
    assert.equal(follower.getVersion('small'), 4);
    assert.deepEqual(follower.getData('small'), { version: 4, items: ['item-4'] });
  });
});
