/**
 * The instances of a chaos run: test/support/cluster.ts's `Cluster` (fork,
 * IPC events, readiness), extended by composition with what chaos needs —
 * starting one replacement without waiting 20 s for a process that already
 * died, killing and pausing on purpose, and telling those deaths apart from
 * crashes (any exit we did not cause) — and, for a store with a server, a fault proxy per
 * instance (fault.proxy.ts) between it and the store, so the network faults can act on one link.
 */
import { rmSync } from 'node:fs';
import { Cluster, type Instance } from '../support/cluster.js';
import { onExit, signal } from './chaos.cleanup.js';
import type { ChaosStore } from './chaos.store.js';
import { FaultProxy } from './fault.proxy.js';

/** An instance that ended without our signal, or printed an uncaught error. */
export interface CrashRecord {
  pid: number;
  /** 'boot': died (or hung) before it was ready; 'running': after. */
  phase: 'boot' | 'running';
  how: string;
  /** The last lines of its output. */
  tail: string;
}

const UNCAUGHT = /uncaughtException|UnhandledPromiseRejection|triggerUncaughtException/;

/** The chaos run's instances, as a `Cluster` plus bookkeeping of who ended them. */
export class ChaosCluster {
  readonly cluster: Cluster;
  readonly crashes: CrashRecord[] = [];
  /** Each instance's link to the store, by pid (none without a server). */
  readonly proxies = new Map<number, FaultProxy>();
  /** When each instance exited (Date.now()), by pid. */
  readonly exitedAt = new Map<number, number>();
  private readonly env: Record<string, string>;
  private readonly ours = new Set<number>();
  private readonly ready = new Set<number>();
  private readonly unregister: () => void;

  constructor(
    env: Record<string, string>,
    tags: string[],
    private readonly store?: Pick<ChaosStore, 'address' | 'proxiedEnv'>,
  ) {
    // Cluster keeps this object and reads it at each fork: spawn() points it at the next instance's proxy.
    this.env = { ...env };
    this.cluster = new Cluster(this.env, tags);
    this.unregister = onExit(() => {
      for (const instance of this.cluster.live()) {
        signal(instance.pid, 'SIGCONT');
        signal(instance.pid, 'SIGKILL');
      }
      rmSync(this.cluster.dir, { recursive: true, force: true });
    });
  }

  get source() {
    return this.cluster.source;
  }

  get instances(): Instance[] {
    return this.cluster.instances;
  }

  live(): Instance[] {
    return this.cluster.live();
  }

  /** Live instances that report they lead (IPC `leader` flips). */
  leaders(): Instance[] {
    return this.live().filter((i) => i.leader);
  }

  /**
   * Starts one instance and waits until it is ready, or until it dies first
   * (then it is recorded as a crash at boot and `undefined` is returned).
   */
  async spawn(): Promise<Instance | undefined> {
    const { address, proxiedEnv } = this.store ?? {};
    const proxy = address && proxiedEnv ? await new FaultProxy(address).listen() : undefined;
    if (proxy) Object.assign(this.env, proxiedEnv!.call(this.store, proxy.port));
    const starting = this.cluster.start(1).then(
      () => true,
      () => false,
    ); // false: not ready within Cluster's 20 s
    const instance = this.cluster.instances.at(-1)!; // pushed synchronously by start()
    if (proxy) this.proxies.set(instance.pid, proxy);
    void instance.exited.then((code) => this.exited(instance, code));
    const ready = await Promise.race([starting, instance.exited.then(() => false)]);
    if (ready) {
      this.ready.add(instance.pid);
      return instance;
    }
    if (instance.child.exitCode === null && instance.child.signalCode === null) {
      this.crashes.push({
        pid: instance.pid,
        phase: 'boot',
        how: 'not ready within 20 s (killed)',
        tail: tail(instance.output),
      });
      await this.kill(instance);
    }
    return undefined;
  }

  /** SIGKILL (after SIGCONT, in case it is paused), on purpose: not a crash. */
  async kill(instance: Instance): Promise<void> {
    this.ours.add(instance.pid);
    instance.child.kill('SIGCONT');
    instance.child.kill('SIGKILL');
    await instance.exited;
  }

  /** Instances that printed an uncaught exception, even if they were killed later on purpose. */
  uncaught(): CrashRecord[] {
    const counted = new Set(this.crashes.map((c) => c.pid));
    return this.instances
      .filter((i) => !counted.has(i.pid) && UNCAUGHT.test(i.output))
      .map((i) => ({
        pid: i.pid,
        phase: 'running' as const,
        how: 'uncaught exception in its output',
        tail: tail(i.output),
      }));
  }

  /** Sends a chaos request to the instance (see test/fixtures/instance.ts). */
  tell(instance: Instance, message: { type: string; ms?: number }): void {
    if (instance.child.connected) instance.child.send(message);
  }

  /** Kills every instance (on purpose) and removes the source directory. */
  async stop(): Promise<void> {
    for (const instance of this.live()) this.ours.add(instance.pid);
    await this.cluster.stop();
    await Promise.all([...this.proxies.values()].map((p) => p.shutdown()));
    this.unregister();
  }

  private exited(instance: Instance, code: number | null): void {
    this.exitedAt.set(instance.pid, Date.now());
    void this.proxies.get(instance.pid)?.shutdown();
    if (this.ours.has(instance.pid)) return;
    const phase = this.ready.has(instance.pid) ? 'running' : 'boot';
    const how = instance.exitSignal ? `killed by ${instance.exitSignal} (not ours)` : `exit code ${code}`;
    this.crashes.push({ pid: instance.pid, phase, how, tail: tail(instance.output) });
  }
}

function tail(output: string, lines = 15): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}
