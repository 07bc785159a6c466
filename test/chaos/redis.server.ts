/**
 * The chaos run's view of its own redis-server (test/support/redis.server.ts): by default
 * it runs with `appendonly yes` + `appendfsync always`, so a crash loses nothing
 * acknowledged (lease, fence counter, records): the invariants then hold as stated. With
 * `none` a restart empties the store; the README says what that may cost (a lost lease
 * lets two processes call the source until the old leader's next renewal), and the run shows it.
 */
import { RedisNamespaceKeys } from '../../lib/backends/redis/redis-keys.js';
import { RedisServer } from '../support/redis.server.js';
import { signal } from './chaos.cleanup.js';
import { ChaosServerStore } from './chaos-server.store.js';
import { CHAOS_NAMESPACE, holderPid, type StoreProbe } from './chaos.store.js';

/** A redis-server started, crashed and restarted by a chaos run. */
export class ChaosRedisServer extends ChaosServerStore<RedisServer> {
  readonly backend = 'redis';
  readonly persistent: boolean;
  readonly description: string;
  readonly env: Record<string, string>;
  private readonly keys = new RedisNamespaceKeys(CHAOS_NAMESPACE, CHAOS_NAMESPACE);

  private constructor(
    server: RedisServer,
    persistence: 'aof' | 'none',
    private readonly tags: string[],
  ) {
    super(server, () => signal(server.pid, 'SIGKILL'));
    this.persistent = persistence === 'aof';
    this.description = `own redis-server on 127.0.0.1:${server.port}, ${
      this.persistent
        ? 'appendonly yes + appendfsync always (a crash keeps every acknowledged write)'
        : 'no persistence (a crash empties the store)'
    }`;
    this.env = { SYNC_REDIS_URL: server.url, SYNC_KEY_PREFIX: CHAOS_NAMESPACE };
  }

  /** Starts a server on a free port with `persistence`; `tags` are the tasks whose fences `probe` reads. */
  static async start(tags: string[], persistence: 'aof' | 'none'): Promise<ChaosRedisServer> {
    return new ChaosRedisServer(await RedisServer.start({ persistence }), persistence, tags);
  }

  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.server.port };
  }

  proxiedEnv(port: number): Record<string, string> {
    return { SYNC_REDIS_URL: `redis://127.0.0.1:${port}` };
  }

  async probe(): Promise<StoreProbe | undefined> {
    const sentAt = Date.now();
    const pipeline = this.server.control.pipeline().get(this.keys.lease);
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
}
