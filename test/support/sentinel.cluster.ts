/**
 * A Sentinel-managed Redis of a test's own: a master, replicas and three sentinels on free
 * loopback ports, each in a temp directory (the shared server is never touched). It forces
 * failovers (`SENTINEL FAILOVER`, SIGKILL of the master) and brings a killed node back as a
 * replica. A probe appends a sequence number to a list every 10 ms through its own
 * Sentinel-backed client, so a test can count the writes a master acknowledged and a failover
 * lost — what happens to the module's own writes on the same master.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { RedisServer } from './redis.server.js';
import { waitFor } from './wait-for.js';

/** The master name the sentinels monitor. */
export const SENTINEL_MASTER = 'mymaster';

/** How the sentinels judge the master: down after 1 s without an answer; a second failover 4 s after one. */
const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 2_000;

/** How a `SentinelCluster` runs. */
export interface SentinelClusterOptions {
  /** Replicas of the master (default 1). */
  replicas?: number;
  /** `CONFIG SET` on every data node (e.g. `min-replicas-to-write`), also on a node brought back. */
  config?: Record<string, string>;
  /** ioredis' `failoverDetector` on the clients: reconnect on the sentinels' `+switch-master`. */
  failoverDetector?: boolean;
}

/** The probe's list: it holds the sequence numbers the current master has. */
const PROBE_KEY = 'sentinel-probe';

/** One `redis-server --sentinel` process. */
class Sentinel {
  readonly client: Redis;
  private constructor(
    readonly port: number,
    readonly process: ChildProcess,
  ) {
    this.client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    this.client.on('error', () => undefined);
  }

  static async start(dir: string, masterPort: number): Promise<Sentinel> {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    // The sentinel rewrites this file as it learns the topology: it must be its own and writable.
    const lines = [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${SENTINEL_MASTER} ${FAILOVER_TIMEOUT_MS}`,
      `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
    ];
    writeFileSync(conf, `${lines.join('\n')}\n`);
    const sentinel = new Sentinel(port, spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    await waitFor(() => sentinel.client.ping().then(Boolean, () => false), 10_000, `sentinel on ${port}`);
    return sentinel;
  }

  /** The master's port as this sentinel sees it. */
  async masterPort(): Promise<number> {
    const [, port] = (await this.client.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER)) as string[];
    return Number(port);
  }

  async stop(): Promise<void> {
    this.client.disconnect();
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGKILL');
    await exited;
  }
}

/** A master, its replicas and three sentinels, started and stopped by one test. */
export class SentinelCluster {
  /** Sequence numbers the probe's RPUSH was acknowledged for, with when. */
  private readonly acked = new Map<number, number>();
  private readonly probe: Redis;
  private probing: NodeJS.Timeout | undefined;

  private constructor(
    readonly nodes: RedisServer[],
    private readonly sentinels: Sentinel[],
    private readonly dir: string,
    private readonly config: Record<string, string>,
    private readonly failoverDetector: boolean,
  ) {
    this.probe = this.client();
    let seq = 0;
    this.probing = setInterval(() => {
      const n = ++seq;
      this.probe.rpush(PROBE_KEY, n).then(
        () => this.acked.set(n, Date.now()),
        () => undefined,
      );
    }, 10);
  }

  /** Starts everything; resolves once every sentinel knows the replicas and the other sentinels. */
  static async start(options: SentinelClusterOptions = {}): Promise<SentinelCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'vsync-sentinel-'));
    const nodes: RedisServer[] = [];
    const sentinels: Sentinel[] = [];
    const config = options.config ?? {};
    try {
      for (let i = 0; i <= (options.replicas ?? 1); i++) nodes.push(await RedisServer.start());
      const [master, ...replicas] = nodes;
      for (const replica of replicas) await follow(replica, master.port, config);
      await configure(master, config);
      for (let i = 0; i < 3; i++) sentinels.push(await Sentinel.start(dir, master.port));
      const discovered = async () => {
        for (const { client } of sentinels) {
          const known = (await client.call('SENTINEL', 'replicas', SENTINEL_MASTER)) as unknown[];
          const peers = (await client.call('SENTINEL', 'sentinels', SENTINEL_MASTER)) as unknown[];
          if (known.length < replicas.length || peers.length < 2) return false;
        }
        return true;
      };
      await waitFor(discovered, 20_000, 'every sentinel to know the replicas and its peers', { every: 100 });
    } catch (error) {
      await Promise.all([...sentinels.map((s) => s.stop()), ...nodes.map((n) => n.dispose())]);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new SentinelCluster(nodes, sentinels, dir, config, options.failoverDetector ?? false);
  }

  /** `host:port,…` of the sentinels, as the instances' `SYNC_REDIS_SENTINELS` takes it. */
  get addresses(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** A client that finds the master through the sentinels, as the instances do; the caller disconnects it. */
  client(): Redis {
    const sentinels = this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
    const client = new Redis({
      sentinels,
      name: SENTINEL_MASTER,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      failoverDetector: this.failoverDetector,
    });
    client.on('error', () => undefined);
    return client;
  }

  /** The current master as the first sentinel reports it. */
  async master(): Promise<RedisServer> {
    const port = await this.sentinels[0].masterPort();
    return this.nodes.find((n) => n.port === port)!;
  }

  /** `SENTINEL FAILOVER`: promotes a replica without the master failing. */
  async failover(): Promise<void> {
    await this.sentinels[0].client.call('SENTINEL', 'FAILOVER', SENTINEL_MASTER);
  }

  /** Waits until every sentinel names a master other than `old` and that node says it is one; resolves with it. */
  async switched(old: RedisServer, ms = 20_000): Promise<RedisServer> {
    const port = await waitFor(
      async () => {
        const ports = await Promise.all(this.sentinels.map((s) => s.masterPort().catch(() => 0)));
        const [port] = ports;
        if (port === old.port || ports.some((p) => p !== port)) return 0;
        const role = await this.info(port, 'replication').catch(() => '');
        return role.includes('role:master') ? port : 0;
      },
      ms,
      `the sentinels to promote a replica of ${old.port}`,
      { every: 10 },
    );
    return this.nodes.find((n) => n.port === port)!;
  }

  /** Waits until `old` (still running) has been turned into a replica; the sentinels do it after the promotion. */
  async demoted(old: RedisServer, ms = 20_000): Promise<void> {
    await waitFor(
      async () => (await this.info(old.port, 'replication').catch(() => '')).includes('role:slave'),
      ms,
      `${old.port} to be turned into a replica`,
      { every: 2 },
    );
  }

  /** Restarts a killed node (empty: no persistence) as a replica of the master; resolves once in sync. */
  async rejoin(node: RedisServer): Promise<void> {
    const master = await this.master();
    await node.restart();
    await follow(node, master.port, this.config);
  }

  /**
   * Writes the probe had acknowledged since `since` (epoch ms) that the current master does not hold:
   * how many, and the span of their acknowledgements. Call once the failover settled.
   */
  async lostWrites(since: number): Promise<{ count: number; first?: number; last?: number }> {
    const master = await this.master();
    // Only writes acknowledged before the read was sent: one acknowledged meanwhile may have run after it.
    const until = Date.now();
    const held = new Set((await master.control.lrange(PROBE_KEY, 0, -1)).map(Number));
    const lost = [...this.acked].filter(([n, at]) => at >= since && at < until && !held.has(n)).map(([, at]) => at);
    return lost.length ? { count: lost.length, first: Math.min(...lost), last: Math.max(...lost) } : { count: 0 };
  }

  /** Stops every process and removes the directories. Idempotent. */
  async dispose(): Promise<void> {
    clearInterval(this.probing);
    this.probe.disconnect();
    await Promise.all([...this.sentinels.map((s) => s.stop()), ...this.nodes.map((n) => n.dispose())]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async info(port: number, section: string): Promise<string> {
    const node = this.nodes.find((n) => n.port === port)!;
    return node.control.info(section);
  }
}

async function configure(node: RedisServer, config: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(config)) await node.control.call('CONFIG', 'SET', name, value);
}

/** Makes `node` a replica of the master on `masterPort` and waits until its link is up. */
async function follow(node: RedisServer, masterPort: number, config: Record<string, string>): Promise<void> {
  await configure(node, config);
  await node.control.call('REPLICAOF', '127.0.0.1', String(masterPort));
  // A sentinel reconfiguring the node kills its normal connections (CLIENT KILL TYPE normal): the control
  // connection reconnects, and a poll that fails meanwhile only means "not yet".
  await waitFor(
    async () => (await node.control.info('replication').catch(() => '')).includes('master_link_status:up'),
    // Generous: a full sync waits repl-diskless-sync-delay (5 s by default), twice when a sentinel's
    // reconfiguration restarts it.
    30_000,
    `${node.port} to sync with ${masterPort}`,
    { every: 20 },
  );
}
