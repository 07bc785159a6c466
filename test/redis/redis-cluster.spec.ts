import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster, type Redis } from 'ioredis';
import { RedisSyncLock, RedisSyncStore } from '../../lib/redis/index.js';
import { describeSyncLockContract, describeSyncStoreContract } from '../../lib/testing/index.js';
import { redisSkip } from '../support/services.js';
import { listKeys, RedisServer, redisServerSkip, testPrefix } from './redis-test.util.js';

const skip = (await redisSkip()) || redisServerSkip();

// A one-node Redis Cluster of the test's own: scripts whose keys span two slots
// fail there with CROSSSLOT, and CLUSTER KEYSLOT answers (it does not on a plain server).
describe('Redis backend on a Redis Cluster', { skip }, () => {
  const keyPrefix = testPrefix();
  let server: RedisServer | undefined;
  const clusters: Cluster[] = [];
  const started = async () => (server ??= await RedisServer.start({ cluster: true }));
  const cluster = async () => {
    const { port } = await started();
    const client = new Cluster([{ host: '127.0.0.1', port }], { lazyConnect: true });
    clusters.push(client);
    return client;
  };

  after(async () => {
    clusters.forEach((client) => client.disconnect());
    await server?.dispose();
  });

  describeSyncStoreContract('RedisSyncStore (Cluster client)', async () => new RedisSyncStore({ client: await cluster(), keyPrefix }));
  describeSyncLockContract('RedisSyncLock (Cluster client)', async () => new RedisSyncLock({ client: await cluster(), keyPrefix }));

  describe('key layout', () => {
    let admin: Redis;
    before(async () => {
      admin = (await started()).admin();
    });
    after(() => admin?.disconnect());

    it('puts every key of a namespace, store and lock alike, in one hash slot', async () => {
      const client = await cluster();
      const store = new RedisSyncStore({ client, keyPrefix: `${keyPrefix}-slots` });
      const lock = new RedisSyncLock({ client, keyPrefix: `${keyPrefix}-slots` });
      await Promise.all([store.connect(), lock.connect()]);
      const lease = await lock.acquire('ns', 'h', 10_000);
      assert.ok(lease);
      for (const tag of ['a', 'b:c', '{x}', 'd}e']) {
        assert.equal((await store.write('ns', { tag, version: 1, data: { tag }, modifiedAt: 1, checkedAt: 1, fence: lease.fence })).accepted, true);
      }
      assert.equal(await store.touch('ns', 'a', 2, lease.fence), true);
      assert.equal((await store.heads('ns')).size, 4);
      const keys = await listKeys(admin, `${keyPrefix}-slots`);
      assert.equal(keys.length, 8, `expected revision, tags, 4 records, lease and fence; got ${keys.join(' ')}`);
      const slots = new Set(await Promise.all(keys.map((key) => admin.call('CLUSTER', 'KEYSLOT', key))));
      assert.equal(slots.size, 1, `keys spread over slots ${[...slots]}`);
      await Promise.all([store.close(), lock.close()]);
      assert.equal(client.status, 'ready', 'a client passed in stays open');
    });
  });
});
