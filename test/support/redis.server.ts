/**
 * The throw-away redis-server of a test or a chaos run: a free loopback port and a temp
 * directory of its own (the shared server is never touched), crash-stops (SIGKILL) and
 * restarts on the same port, CLIENT KILL. With `persistence: 'aof'` (appendonly yes +
 * appendfsync always) a crash loses nothing acknowledged; by default a restart starts empty.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** How a `RedisServer` runs. */
export interface RedisServerOptions {
  /** Sets `requirepass`. */
  password?: string;
  /** Runs a cluster node; unless `claimSlots` is false it owns every slot (a one-node cluster). */
  cluster?: boolean;
  claimSlots?: boolean;
  /** `'none'` (default): a restart empties the store; `'aof'`: every acknowledged write survives a crash. */
  persistence?: 'none' | 'aof';
}

/** A redis-server started, crashed and restarted by one test file or chaos run. */
export class RedisServer {
  private process: ChildProcess | undefined;
  /**
   * One long-lived client for probes and CLIENT KILL (which skips its caller, so it survives cuts).
   * No offline queue: a probe while the server is down fails at once instead of landing later.
   */
  readonly control: Redis;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
    private readonly password?: string,
  ) {
    this.control = new Redis({
      host: '127.0.0.1',
      port,
      password,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    this.control.on('error', () => undefined);
  }

  /** Starts a server on a free port; resolves once it serves data. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'vsync-redis-'));
    const durability =
      options.persistence === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...durability];
    if (options.password) args.push('--requirepass', options.password);
    if (options.cluster) {
      // Announce the loopback address: by default CLUSTER SLOTS gives an empty host, which clients cannot reach.
      const config = join(dir, 'nodes.conf');
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', config, '--cluster-announce-ip', '127.0.0.1');
    }
    const server = new RedisServer(port, dir, args, options.password);
    try {
      await server.restart();
      if (options.cluster && options.claimSlots !== false) await server.claimAllSlots();
    } catch (error) {
      await server.dispose();
      throw error;
    }
    return server;
  }

  /** `redis://127.0.0.1:<port>`, with the password when there is one. */
  get url(): string {
    return `redis://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  /** The server's pid while it runs, for a last-resort kill. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** A plain client to inspect the server; the caller disconnects it. */
  admin(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 0 });
  }

  /** Kills the server like a crash (SIGKILL) and waits until it is gone (its port is free again at once). */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts the server again on the same port and waits until it serves data (an AOF may take a moment to load). */
  async restart(): Promise<void> {
    await this.stop();
    this.process = spawn('redis-server', this.args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (this.control.status === 'wait' || this.control.status === 'end')
        this.control.connect().catch(() => undefined);
      // DBSIZE, unlike PING, fails while the AOF loads, and needs no slot in a cluster node that owns none yet.
      const serving = await this.control.dbsize().then(
        () => true,
        () => false,
      );
      if (serving) return;
      await sleep(20);
    }
    throw new Error(`redis-server on 127.0.0.1:${this.port} did not answer within 10 s`);
  }

  /** Kills every normal and pub/sub connection but the control one; resolves with how many. */
  async cutConnections(): Promise<number> {
    const normal = Number(await this.control.call('CLIENT', 'KILL', 'TYPE', 'normal'));
    const pubsub = Number(await this.control.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    return normal + pubsub;
  }

  /** Stops the server and removes its directory. Idempotent. */
  async dispose(): Promise<void> {
    this.control.disconnect();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async claimAllSlots(): Promise<void> {
    await this.control.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    while (!String(await this.control.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) await sleep(50);
  }
}
