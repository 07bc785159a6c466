/**
 * The chaos run's own redis-server: a free loopback port, a temp directory,
 * crash-restarts (SIGKILL, then the same port again) and CLIENT KILL. By
 * default it runs with `appendonly yes` + `appendfsync always`, so a crash loses
 * nothing acknowledged (lease, fence counter, records): the invariants then hold
 * as stated. With `none` (`--save "" --appendonly no`) a restart empties the
 * store; the README says what that may cost (a lost lease lets two processes
 * call the source until the old leader's next renewal), and the run shows it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisNamespaceKeys } from '../../lib/backends/redis/redis-keys.js';
import { onExit, signal } from './chaos.cleanup.js';
import { CHAOS_NAMESPACE, type ChaosStore, freePort, holderPid, type StoreProbe } from './chaos.store.js';

/** A redis-server started, crashed and restarted by a chaos run. */
export class ChaosRedisServer implements ChaosStore {
  readonly backend = 'redis';
  readonly persistent: boolean;
  readonly description: string;
  readonly env: Record<string, string>;
  private process: ChildProcess | undefined;
  private readonly keys = new RedisNamespaceKeys(CHAOS_NAMESPACE, CHAOS_NAMESPACE);
  /** One client for probes and CLIENT KILL: CLIENT KILL skips the caller, so probes survive cuts. */
  private readonly admin: Redis;
  private readonly unregister: () => void;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly args: string[],
    persistence: 'aof' | 'none',
    private readonly tags: string[],
  ) {
    this.persistent = persistence === 'aof';
    this.description = `own redis-server on 127.0.0.1:${port}, ${
      this.persistent
        ? 'appendonly yes + appendfsync always (a crash keeps every acknowledged write)'
        : 'no persistence (a crash empties the store)'
    }`;
    this.env = { SYNC_REDIS_URL: `redis://127.0.0.1:${port}`, SYNC_KEY_PREFIX: CHAOS_NAMESPACE };
    // No offline queue: a probe while the server is down fails at once instead of landing later.
    this.admin = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    this.admin.on('error', () => undefined);
    this.unregister = onExit(() => {
      signal(this.process?.pid, 'SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  /** Starts a server on a free port with `persistence`; `tags` are the tasks whose fences `probe` reads. */
  static async start(tags: string[], persistence: 'aof' | 'none'): Promise<ChaosRedisServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'vsync-chaos-redis-'));
    const durability =
      persistence === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...durability];
    const server = new ChaosRedisServer(port, dir, args, persistence, tags);
    await server.launch();
    return server;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  stop(): Promise<void> {
    return this.kill();
  }

  start(): Promise<void> {
    return this.launch();
  }

  async cutConnections(): Promise<number> {
    const normal = Number(await this.admin.call('CLIENT', 'KILL', 'TYPE', 'normal'));
    const pubsub = Number(await this.admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    return normal + pubsub;
  }

  async probe(): Promise<StoreProbe | undefined> {
    const sentAt = Date.now();
    const pipeline = this.admin.pipeline().get(this.keys.lease);
    for (const tag of this.tags) pipeline.hget(this.keys.record(tag), 'fence');
    const replies = await pipeline.exec().catch(() => null);
    const receivedAt = Date.now();
    if (!replies || replies.some(([error]) => error)) return undefined;
    const fences = new Map<string, number>();
    this.tags.forEach((tag, i) => {
      const fence = replies[i + 1][1] as string | null;
      if (fence !== null) fences.set(tag, Number(fence));
    });
    const lease = replies[0][1] as string | null;
    if (lease === null) return { sentAt, receivedAt, fences };
    const split = lease.indexOf(':');
    return {
      sentAt,
      receivedAt,
      fences,
      lease: { fence: Number(lease.slice(0, split)), pid: holderPid(lease.slice(split + 1)) },
    };
  }

  async dispose(): Promise<void> {
    this.admin.disconnect();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    this.unregister();
  }

  /** SIGKILL, like a crash, and wait until the process is gone (its port is free again at once). */
  private async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  private async launch(): Promise<void> {
    this.process = spawn('redis-server', this.args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (this.admin.status === 'wait' || this.admin.status === 'end') this.admin.connect().catch(() => undefined);
      // A data command (unlike PING) fails while the AOF loads, so "answers" means "serves data".
      if (
        await this.admin.exists(this.keys.lease).then(
          () => true,
          () => false,
        )
      )
        return;
      await sleep(20);
    }
    throw new Error(`redis-server on 127.0.0.1:${this.port} did not answer within 10 s`);
  }
}
