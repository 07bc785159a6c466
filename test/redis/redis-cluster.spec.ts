import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { describeSyncLockContract, describeSyncStoreContract } from '../../lib/testing/index.js';
import { describeMultiProcess } from '../support/multi-process.scenarios.js';
import { redisSkip, redisServerSkip } from '../support/services.js';
import { listKeys, RedisClusterServers, testPrefix } from './redis-test.util.js';

const skip = (await redisSkip()) || (await redisServerSkip());

// A three-master Redis Cluster of the test's own (redis-cli --cluster create): a script
// whose keys span two slots fails there with CROSSSLOT, and keys really live on different nodes.
describe('Redis backend on a three-master Redis Cluster', { skip }, () => {
  const keyPrefix = testPrefix();
  let servers: Promise<RedisClusterServers> | undefined;
  const clients: Cluster[] = [];
  const started = () => (servers ??= RedisClusterServers.start(3));
  const cluster = async () => {
    const { nodes } = await started();
    const client = new Cluster(
      nodes.map(({ port }) => ({ host: '127.0.0.1', port })),
      { lazyConnect: true },
    );
    clients.push(client);
    return client;
  };

  after(async () => {
    clients.forEach((client) => client.disconnect());
    await (await servers)?.dispose();
  });

  describeSyncStoreContract(
    'RedisSyncStore (Cluster client)',
    async () => new RedisSyncStore({ client: await cluster(), keyPrefix }),
    { batches: true },
  );
  describeSyncLockContract(
    'RedisSyncLock (Cluster client)',
    async () => new RedisSyncLock({ client: await cluster(), keyPrefix }),
  );

  describe('key layout', () => {
    let client: Cluster;
    before(async () => {
      client = await cluster();
    });

    it('puts every key of a namespace, store and lock alike, in one hash slot, and namespaces on several nodes', async () => {
      const prefix = `${keyPrefix}-slots`;
      const store = new RedisSyncStore({ client, keyPrefix: prefix });
      const lock = new RedisSyncLock({ client, keyPrefix: prefix });
      await Promise.all([store.connect(), lock.connect()]);
      for (const ns of ['ns-a', 'ns-b', 'ns-c', 'ns-d', 'ns-e', 'ns-f']) {
        const lease = await lock.acquire(ns, 'h', 10_000);
        assert.ok(lease);
        for (const tag of ['a', 'b:c', '{x}', 'd}e']) {
          const written = await store.write(ns, {
            tag,
            version: 1,
            data: { tag },
            modifiedAt: 1,
            checkedAt: 1,
            fence: lease.fence,
          });
          assert.equal(written.accepted, true);
        }
        assert.equal(await store.touch(ns, 'a', 1, 2, lease.fence), 'touched');
        assert.equal((await store.heads(ns)).size, 4);
      }
      const perNode = await Promise.all(client.nodes('master').map((node) => listKeys(node, prefix)));
      const keys = perNode.flat();
      assert.equal(keys.length, 6 * 8, 'revision, tags, 4 records, lease and fence per namespace');
      for (const ns of ['ns-a', 'ns-b', 'ns-c', 'ns-d', 'ns-e', 'ns-f']) {
        const own = keys.filter((key) => key.includes(`:${ns}}`));
        const slots = new Set(await Promise.all(own.map((key) => client.cluster('KEYSLOT', key))));
        assert.equal(slots.size, 1, `${ns} spread over slots ${[...slots]}`);
      }
      assert.ok(perNode.filter((node) => node.length > 0).length > 1, 'namespaces land on more than one master');
      await Promise.all([store.close(), lock.close()]);
      assert.equal(client.status, 'ready', 'a client passed in stays open');
    });
  });
});

let multiProcessServers: RedisClusterServers | undefined;
describeMultiProcess('Redis Cluster, three masters', {
  env: { SYNC_KEY_PREFIX: testPrefix() },
  skip,
  only: ['propagation', 'kill'],
  setup: async () => {
    multiProcessServers = await RedisClusterServers.start(3);
    return { SYNC_REDIS_CLUSTER: multiProcessServers.addresses };
  },
  cleanup: async () => multiProcessServers?.dispose(),
});
