import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisServer } from '../support/redis.server.js';
import { waitFor } from '../support/wait-for.js';

/** A key prefix of its own for one test file, so runs never share keys. */
export function testPrefix(): string {
  return `vsync-test-${randomUUID()}`;
}

/** Deletes every key under `prefix` (SCAN, never FLUSH*): the cleanup of a test file. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Every key under `prefix`. */
export async function listKeys(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** A Redis Cluster of the test's own: `masters` nodes on free ports, slots spread by `redis-cli --cluster create`. */
export class RedisClusterServers {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(masters = 3): Promise<RedisClusterServers> {
    const nodes = await Promise.all(
      Array.from({ length: masters }, () => RedisServer.start({ cluster: true, claimSlots: false })),
    );
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const node of nodes) {
      const state = async () => String(await node.control.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
      await waitFor(state, 10_000, `cluster_state:ok on node ${node.port}`, { every: 50 });
    }
    return new RedisClusterServers(nodes);
  }

  /** `host:port,host:port,…`, as the sample's SYNC_REDIS_CLUSTER takes it. */
  get addresses(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.dispose()));
  }
}
