/**
 * The store of a chaos run: a Redis or PostgreSQL the run starts itself on a
 * free loopback port (so the shared services are never touched), or a SQLite
 * file in a temp directory; what the instances need to reach it, the store
 * faults of a server (restart, stop, cut connections) and a probe the invariant
 * monitor polls.
 */
import { postgresServerSkip, redisServerSkip } from '../support/services.js';

/** The backends a chaos run knows. */
export type ChaosBackend = 'redis' | 'postgres' | 'sqlite';

/** One reading of the store by the chaos runner itself, timed on its clock. */
export interface StoreProbe {
  /** Date.now() when the request was sent. */
  sentAt: number;
  /** Date.now() when the answer arrived. */
  receivedAt: number;
  /** Stored fence per tag; a tag without a record is absent. */
  fences: Map<string, number>;
  /** The live lease, if any: its fence and the pid in its holder (`host:pid:suffix`). */
  lease?: { fence: number; pid: number };
}

/** A store server owned by one chaos run. */
export interface ChaosStore {
  readonly backend: ChaosBackend;
  /** For the report: what server, on which port, with which persistence. */
  readonly description: string;
  /** Whether there is a server: without one (SQLite) restart, stop and cutConnections do not apply. */
  readonly hasServer: boolean;
  /** Whether a restart keeps the records and counters (else a restart starts from an empty store). */
  readonly persistent: boolean;
  /** Environment for test/fixtures/instance.js (the variables of test/fixtures/instance.backend.ts). */
  readonly env: Record<string, string>;
  /** Crashes the server and starts it again on the same port; resolves once it answers. */
  restart(): Promise<void>;
  /** Crashes the server and leaves it down (the cold-start fault); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The server's TCP address, which each instance reaches through a fault proxy of its own (none: no network). */
  readonly address?: { host: string; port: number };
  /** The environment that points an instance at `port` (its proxy) instead of the server. */
  proxiedEnv?(port: number): Record<string, string>;
  /** Kills the library's connections on the server side; resolves with how many. */
  cutConnections(): Promise<number>;
  /** Reads every task's fence and the lease in one step; undefined while the server does not answer. */
  probe(): Promise<StoreProbe | undefined>;
  /** Stops the server and removes its directory. Idempotent. */
  dispose(): Promise<void>;
}

/** The pid in a lease holder `host:pid:suffix` (see SyncLeaseKeeper.holder). */
export function holderPid(holder: string): number {
  return Number(holder.split(':').at(-2));
}

/**
 * `false` when this machine can start the backend's server, else why not. With
 * CI=true a missing server is an error (thrown), not a reason to skip.
 */
export function storeSkip(backend: ChaosBackend): Promise<false | string> {
  if (backend === 'sqlite') return Promise.resolve(false); // better-sqlite3 is a dev dependency
  return backend === 'redis' ? redisServerSkip() : postgresServerSkip();
}

/** Starts the backend's own server (for SQLite: makes the file's directory). */
export async function startStore(
  backend: ChaosBackend,
  options: { redisPersistence?: 'aof' | 'none'; tags: string[] },
): Promise<ChaosStore> {
  if (backend === 'redis') {
    const { ChaosRedisServer } = await import('./redis.server.js');
    return ChaosRedisServer.start(options.tags, options.redisPersistence ?? 'aof');
  }
  if (backend === 'sqlite') {
    const { ChaosSqliteFile } = await import('./sqlite.store.js');
    return new ChaosSqliteFile();
  }
  const { ChaosPostgresServer } = await import('./postgres.server.js');
  return ChaosPostgresServer.start();
}

/**
 * Namespace (SYNC_NAME), Redis key prefix and PostgreSQL schema of every chaos run: each run has a server of its own.
 */
export const CHAOS_NAMESPACE = 'chaos';
