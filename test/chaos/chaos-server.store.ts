import { rmSync } from 'node:fs';
import { onExit } from './chaos.cleanup.js';
import type { ChaosBackend, ChaosStore, StoreProbe } from './chaos.store.js';

/** What a throw-away server of test/support/ offers the chaos run (RedisServer, PostgresServer). */
export interface ChaosServer {
  readonly dir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
  cutConnections(): Promise<number>;
  dispose(): Promise<void>;
}

/**
 * A chaos store backed by a server of its own: the faults delegate to the shared server class,
 * and the server is killed and its directory removed even when the run dies (onExit). A backend
 * adds only its description, environment and `probe()`.
 */
export abstract class ChaosServerStore<S extends ChaosServer> implements ChaosStore {
  abstract readonly backend: ChaosBackend;
  abstract readonly persistent: boolean;
  abstract readonly description: string;
  abstract readonly env: Record<string, string>;
  readonly hasServer = true;
  private readonly unregister: () => void;

  /** @param crashSync kills the server synchronously (process exit cannot wait). */
  protected constructor(
    protected readonly server: S,
    crashSync: () => void,
  ) {
    this.unregister = onExit(() => {
      crashSync();
      rmSync(server.dir, { recursive: true, force: true });
    });
  }

  abstract probe(): Promise<StoreProbe | undefined>;

  restart(): Promise<void> {
    return this.server.restart();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Starts the stopped server again on the same port. */
  start(): Promise<void> {
    return this.server.restart();
  }

  cutConnections(): Promise<number> {
    return this.server.cutConnections();
  }

  async dispose(): Promise<void> {
    await this.server.dispose();
    this.unregister();
  }
}
