// Revisions that go back, on the shared Redis: what a failover that loses acknowledged writes
// leaves on the promoted master (the namespace's counter and a record as they were before the lost
// writes, the record with its old fence), made here deterministically by rewriting the keys, and a
// reset store (keys deleted). A follower must never serve an older version than it served, and
// must follow the leader's next write at once, not once the counter passed what it had seen.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { RedisNamespaceKeys } from '../../lib/backends/redis/redis-keys.js';
import { SyncReplicaState } from '../../lib/engine/replica.state.js';
import { SyncReplicator } from '../../lib/engine/replicator.js';
import { SyncService } from '../../lib/index.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { createSyncApp } from '../support/sync-app.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { waitFor } from '../support/wait-for.js';
import { deleteKeys, testPrefix } from './redis-test.util.js';

const skip = await redisSkip();
/** Long: no reconcile on a timer during the test, only the ones a change event or the test starts. */
const INTERVAL = 30_000;

/** The record and counter of the namespace as the store held them at one point. */
interface Saved {
  record: Record<string, Buffer>;
  revision: string;
}

describe('Redis: revisions that went back (lost writes, reset)', { skip }, () => {
  const keyPrefix = testPrefix();
  const name = `rewind-${randomUUID()}`;
  const keys = new RedisNamespaceKeys(keyPrefix, name);
  const source = new VersionedSource();
  const admin = new Redis(REDIS_URL);
  const apps: INestApplication[] = [];
  /** Every version the follower installed, in order. */
  const served: (string | number)[] = [];
  let leader: SyncService;
  let follower: SyncService;
  let replicator: SyncReplicator;

  const save = async (): Promise<Saved> => ({
    record: await admin.hgetallBuffer(keys.record('t')),
    revision: (await admin.get(keys.revision)) ?? '0',
  });
  /**
   * What the promoted master holds after a failover that lost every write since `saved`; with `fork`, a
   * replica that kept other writes instead: the same record under a higher revision and counter.
   */
  const loseWritesSince = async (saved: Saved, fork = 0) => {
    if (fork) {
      const revision = String(Number(await admin.get(keys.revision)) + fork);
      saved = { record: { ...saved.record, revision: Buffer.from(revision) }, revision };
    }
    await admin
      .multi()
      .del(keys.record('t'))
      .hset(keys.record('t'), saved.record)
      .set(keys.revision, saved.revision)
      .exec();
  };
  const publish = async (version: number) => {
    source.version = version;
    await leader.refresh('t');
    await waitFor(() => follower.getVersion('t') === version, 5_000, `the follower at v${version}`);
  };
  const wentBack = () => served.flatMap((v, i) => (i > 0 && v < served[i - 1] ? [`${served[i - 1]} -> ${v}`] : []));

  before(async () => {
    const options = { interval: INTERVAL, leaseTtl: 2_000, name };
    const app = () =>
      createSyncApp(
        {
          ...options,
          store: new RedisSyncStore({ url: REDIS_URL, keyPrefix }),
          lock: new RedisSyncLock({ url: REDIS_URL, keyPrefix }),
        },
        [taskFor('t', source)],
      );
    const first = await app();
    apps.push(first.app);
    leader = first.app.get(SyncService);
    await waitFor(() => leader.isLeader(), 5_000, 'the first app to lead');
    const second = await app();
    apps.push(second.app);
    follower = second.app.get(SyncService);
    replicator = second.app.get(SyncReplicator);
    second.app.get(SyncReplicaState).changes$.subscribe((snapshot) => served.push(snapshot.version));
    await follower.whenReady();
    served.push(follower.getVersion('t')!);
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    admin.disconnect();
    await deleteKeys(REDIS_URL, keyPrefix);
  });

  it("follows the leader's write made after the loss at once, from its change event", async () => {
    await publish(2);
    const afterV2 = await save();
    for (const version of [3, 4, 5]) await publish(version);
    await loseWritesSince(afterV2);
    source.version = 6;
    await leader.refresh('t');
    // The write's revision is lower than the follower's: only the event can tell it before the next reconcile
    // (INTERVAL, 30 s, is far beyond this wait).
    await waitFor(() => follower.getVersion('t') === 6, 5_000, 'the follower at v6 before its next reconcile');
    await waitFor(() => leader.getVersion('t') === 6, 5_000, 'the leader serving its own write');
    assert.deepEqual(wentBack(), []);
    assert.equal(Number(await admin.hget(keys.record('t'), 'version')), 6);
  });

  it('keeps its version over the older record the store kept, then installs the next one at once', async () => {
    const afterV6 = await save();
    await publish(7);
    await loseWritesSince(afterV6);
    // The reconcile sees the counter went back and the store holds v6 (older fence or clock): v7 is kept.
    assert.equal(await replicator.reconcile(true), true);
    assert.equal(follower.getVersion('t'), 7);
    assert.equal(await replicator.reconcile(true), true);
    assert.equal(follower.getVersion('t'), 7, 'still kept at the next reconcile');
    source.version = 8;
    await leader.refresh('t');
    await waitFor(() => follower.getVersion('t') === 8, 5_000, 'the follower at v8 before its next reconcile');
    assert.deepEqual(wentBack(), []);
    assert.deepEqual(follower.getData('t'), { version: 8, items: ['item-8'] });
  });

  it('keeps its version over an older record under a higher revision (a history that forked)', async () => {
    const afterV8 = await save();
    await publish(9);
    await loseWritesSince(afterV8, 100);
    assert.equal(await replicator.reconcile(true), true);
    assert.equal(follower.getVersion('t'), 9, 'v8 is older by its clock under the same fence');
    source.version = 10;
    await leader.refresh('t');
    await waitFor(() => follower.getVersion('t') === 10, 5_000, 'the follower at v10');
    assert.deepEqual(wentBack(), []);
  });

  it('converges after a reset store (every key deleted)', async () => {
    await deleteKeys(REDIS_URL, keyPrefix);
    // Nothing to read: the follower keeps what it serves.
    assert.equal(await replicator.reconcile(true), true);
    assert.equal(follower.getVersion('t'), 10);
    source.version = 11;
    // The lease went with the keys: whichever process leads next writes v11 (its fence starts from Redis's clock).
    await waitFor(
      async () => {
        // Only on a leader: a follower's refresh would wait for one.
        await [leader, follower].find((sync) => sync.isLeader())?.refresh('t');
        return follower.getVersion('t') === 11 && leader.getVersion('t') === 11;
      },
      10_000,
      'both apps at v11',
      { every: 200 },
    );
    assert.deepEqual(wentBack(), []);
    assert.equal(Number(await admin.hget(keys.record('t'), 'version')), 11);
  });
});
