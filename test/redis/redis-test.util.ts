import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../support/free-port.js';

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

/** `false` when a `redis-server` binary can be started here, else a skip reason (throws in CI). */
export function redisServerSkip(): false | string {
  if (spawnSync('redis-server', ['--version']).status === 0) return false;
  const message =
    'redis-server is not on the PATH: the suites that start their own Redis need it (apt-get install redis-server)';
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`\n!!! SKIPPING: ${message}\n\n`);
  return message;
}

/** A throw-away `redis-server` of a test: its own port and directory, stopped and restarted at will. */
export class RedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly args: string[],
    private readonly dir: string,
    private readonly password?: string,
  ) {}

  /**
   * Starts one; `password` sets `requirepass`, `cluster` makes it a cluster node that,
   * unless `claimSlots` is false, owns every slot (a one-node cluster).
   */
  static async start(
    options: { password?: string; cluster?: boolean; claimSlots?: boolean } = {},
  ): Promise<RedisServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'vsync-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    if (options.password) args.push('--requirepass', options.password);
    if (options.cluster) {
      // Announce the loopback address: by default CLUSTER SLOTS gives an empty host, which clients cannot reach.
      args.push(
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-announce-ip',
        '127.0.0.1',
      );
    }
    const server = new RedisServer(port, args, dir, options.password);
    await server.restart();
    if (options.cluster && options.claimSlots !== false) await server.claimAllSlots();
    return server;
  }

  /** `redis://127.0.0.1:<port>`, with the password when there is one. */
  get url(): string {
    return `redis://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  /** A plain client to inspect the server; the caller disconnects it. */
  admin(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 0 });
  }

  /** Kills the server like a crash (SIGKILL) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts the server again on the same port and waits until it answers. */
  async restart(): Promise<void> {
    await this.stop();
    this.process = spawn('redis-server', this.args, { stdio: 'ignore' });
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const probe = this.admin();
      probe.on('error', () => undefined);
      const ok = await probe.ping().then(
        () => true,
        () => false,
      );
      probe.disconnect();
      if (ok) return;
      await sleep(50);
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async claimAllSlots(): Promise<void> {
    const admin = this.admin();
    try {
      await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      while (!String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) await sleep(50);
    } finally {
      admin.disconnect();
    }
  }
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
      const admin = node.admin();
      try {
        while (!String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) await sleep(50);
      } finally {
        admin.disconnect();
      }
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
