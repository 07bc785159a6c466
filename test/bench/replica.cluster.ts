/**
 * Parent side of test/bench/fixtures/replica.instance.js: a leader and its
 * followers on one backend, driven change by change. `change()` makes the
 * leader check a new version now and resolves once every follower installed
 * it, with the latency from the leader's `store.write` call to the last
 * follower's install — both timestamps taken in the processes themselves
 * (performance.timeOrigin + performance.now(): the machine's monotonic clock
 * from each process's wall-clock start; on this machine the sum agreed across
 * processes to within 2 µs, where Date.now() is whole ms. The IPC that brings
 * them here is not in the figure).
 *
 * The same parent drives test/bench/fixtures/pubsub.instance.js (`fixture:
 * 'pubsub.instance'`): the same shape and messages with bare ioredis clients,
 * the floor a replica cluster is compared with.
 */
import { Child, type ChildMessage, fixture } from './bench.child.js';
import { deleteRedisKeys, dropSchema, POSTGRES_URL, randomName, REDIS_URL } from './bench.util.js';

/** Where a cluster keeps its snapshots, with the cleanup of its own keys or schema. */
export interface ReplicaBackend {
  label: 'Redis' | 'PostgreSQL';
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export function redisBackend(): ReplicaBackend {
  const prefix = randomName('prefix');
  return {
    label: 'Redis',
    env: { BACKEND: 'redis', REDIS_URL, KEY_PREFIX: prefix },
    cleanup: () => deleteRedisKeys(prefix),
  };
}

export function postgresBackend(): ReplicaBackend {
  const schema = randomName('schema');
  return {
    label: 'PostgreSQL',
    env: { BACKEND: 'postgres', POSTGRES_URL, PG_SCHEMA: schema },
    cleanup: () => dropSchema(schema),
  };
}

/** One change as the cluster saw it. */
export interface Propagation {
  /** ms from the leader's write call to the moment the last follower's getVersion returned it. */
  latency: number;
  /** ms the leader's write call itself took (round trip, encode included). */
  write: number;
}

export class ReplicaCluster {
  readonly children: Child[] = [];

  constructor(
    readonly backend: ReplicaBackend,
    private readonly env: { INTERVAL_MS: string; LEASE_TTL_MS?: string; SYNC_NAME?: string },
    /** The instance each process runs: the library, or the bare pub/sub floor (Redis only). */
    private readonly instance: 'replica.instance' | 'pubsub.instance' = 'replica.instance',
  ) {}

  /** Starts the first instance alone (it leads and creates the schema), then the others together. */
  async start(count: number): Promise<void> {
    const spawn = () => {
      const child = new Child(fixture(this.instance), { ...this.backend.env, ...this.env });
      this.children.push(child);
      return child.waitFor((m) => m.type === 'ready', 30_000, 'ready');
    };
    await spawn();
    await Promise.all(Array.from({ length: count - 1 }, spawn));
    await this.children[0].waitFor((m) => m.type === 'leader' && m.leader === true, 10_000, 'leadership');
  }

  /** The instance whose last leadership message says it leads. */
  get leader(): Child {
    const leaders = this.children.filter(
      (c) => c.alive && c.messages.filter((m) => m.type === 'leader').at(-1)?.leader === true,
    );
    if (leaders.length !== 1) throw new Error(`expected one leader, found ${leaders.length}`);
    return leaders[0];
  }

  get followers(): Child[] {
    const leader = this.leader;
    return this.children.filter((c) => c.alive && c !== leader);
  }

  /** Turns store notifications on or off in every instance (off: reconciliation only). */
  async notify(on: boolean): Promise<void> {
    await Promise.all(this.children.map((c) => c.ask({ type: 'notify', on }, 'ack')));
  }

  /** Publishes `version` (about `bytes` of JSON) and waits until every follower has it. */
  async change(version: number, bytes: number, ms: number): Promise<Propagation> {
    const leader = this.leader;
    const followers = this.followers;
    for (const child of this.children) child.send({ type: 'change', version, bytes });
    const of = (type: string) => (m: ChildMessage) => m.type === type && m.version === version;
    const write = await leader.waitFor((m) => of('write')(m) && m.accepted === true, ms, `write of ${version}`);
    const installs = await Promise.all(followers.map((f) => f.waitFor(of('installed'), ms, `install of ${version}`)));
    const last = Math.max(...installs.map((m) => m.at as number));
    return { latency: last - (write.at as number), write: (write.doneAt as number) - (write.at as number) };
  }

  /** Serializer decodes per version, per instance (leader first). */
  async decodes(): Promise<{ leader: boolean; decodes: Map<number, number> }[]> {
    const leader = this.leader;
    const ordered = [leader, ...this.followers];
    const replies = await Promise.all(ordered.map((c) => c.ask({ type: 'stats' }, 'stats')));
    return replies.map((r, i) => ({ leader: i === 0, decodes: new Map(r.decodes as [number, number][]) }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.stop()));
    await this.backend.cleanup();
  }
}
