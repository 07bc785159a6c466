/**
 * The faults of a chaos run, one at a time: SIGKILL an instance or the leader (and
 * cold-start a fresh replacement on the same store and backup directory), pause the leader
 * past its lease outside or inside a callback, block its event loop, crash-restart the store
 * server, cut the library's connections, stop the store while a fresh instance boots from a
 * backup, and the network faults of each instance's link (network.faults.ts). A backend
 * without a server (SQLite) gets only the process faults. Faults that can end a leadership
 * are recorded as disruptions, from which takeovers are timed.
 */
import type { CallsLog } from './calls.log.js';
import type { Instance } from '../support/cluster.js';
import type { ChaosCluster } from './chaos.cluster.js';
import type { SeededRandom } from './chaos.random.js';
import type { ChaosStore } from './chaos.store.js';
import type { Disruption } from './invariant.checks.js';
import type { StoreMonitor } from './store.monitor.js';
import { type ColdStart, coldStartDuringOutage } from './backup-cold-start.fault.js';
import { type LinkFault, networkFault, shuffle } from './network.faults.js';
import { pauseLeader, type PauseRecord, stallLeader } from './pause.faults.js';

/** Faults that act on processes only: the ones that apply to a store without a server. */
export const PROCESS_FAULTS = ['kill', 'kill-leader', 'stop-leader', 'stop-in-callback', 'stall-leader'] as const;
/** Faults of the store server. */
export const SERVER_FAULTS = ['restart-store', 'cut-connections', 'cold-start-outage'] as const;
/** Faults of the instances' links to the store (their fault proxies). */
export const NETWORK_FAULTS = [
  'partition-leader',
  'partition-follower',
  'split-minority',
  'split-majority',
  'latency-leader',
  'flap-links',
  'reset-links',
] as const;
export type FaultKind = (typeof PROCESS_FAULTS | typeof SERVER_FAULTS | typeof NETWORK_FAULTS)[number];

/** The faults that apply to `store`: all of them with a server; without one (SQLite), the process faults. */
export function faultKinds(store: Pick<ChaosStore, 'hasServer'>): readonly FaultKind[] {
  return store.hasServer ? [...PROCESS_FAULTS, ...SERVER_FAULTS, ...NETWORK_FAULTS] : PROCESS_FAULTS;
}

/**
 * The order of the faults: decks of every kind once, shuffled with the seed, network faults and
 * the others alternating — so every run sees both from its first faults (the short run of
 * `npm test` has partitions) and a long run has about as many of each kind.
 */
export function* faultPlan(kinds: readonly FaultKind[], rng: SeededRandom): Generator<FaultKind, never> {
  const network = kinds.filter((k) => (NETWORK_FAULTS as readonly string[]).includes(k));
  const other = kinds.filter((k) => !network.includes(k));
  for (;;) {
    const [a, b] = [shuffle(network, rng), shuffle(other, rng)];
    for (let i = 0; i < Math.max(a.length, b.length); i++) yield* [a[i], b[i]].filter((k) => k !== undefined);
  }
}

/** What the injector acts on. */
export interface FaultTargets {
  cluster: ChaosCluster;
  store: ChaosStore;
  calls: CallsLog;
  monitor: StoreMonitor;
  leaseTtl: number;
  /** How many instances to keep running. */
  instances: number;
  /** BACKUP_DIR of every instance. */
  backupDir: string;
}

/** Injects faults into one chaos run and counts them. */
export class FaultInjector {
  readonly counts = {} as Record<FaultKind, number>;
  /** What each cold start during a store outage saw (backup-cold-start.fault.ts). */
  readonly coldStarts: ColdStart[] = [];
  readonly disruptions: Disruption[] = [];
  readonly pauses: PauseRecord[] = [];
  readonly linkFaults: LinkFault[] = [];
  /** Faults not injected: no single leader, no DATA call to pause in, no follower. */
  skipped = 0;
  /** Connections the cuts killed, in total. */
  connectionsCut = 0;
  /** Faults that threw (the run goes on; listed in the report). */
  readonly errors: string[] = [];

  constructor(private readonly t: FaultTargets) {
    for (const kind of faultKinds(t.store)) this.counts[kind] = 0;
  }

  /** Injects one fault of `kind`; resolves with a line for the progress log once it is over. */
  async inject(kind: FaultKind, rng: SeededRandom): Promise<string> {
    try {
      const done = await this.run(kind, rng);
      if (done.startsWith('skipped')) this.skipped++;
      else this.counts[kind]++;
      return `${kind}: ${done}`;
    } catch (error) {
      const message = `${kind} failed: ${error instanceof Error ? error.message : String(error)}`;
      this.errors.push(message);
      return message;
    }
  }

  private async run(kind: FaultKind, rng: SeededRandom): Promise<string> {
    if (kind === 'kill') {
      const live = this.t.cluster.live();
      return live.length ? this.killAndReplace(rng.pick(live)) : 'skipped (no live instance)';
    }
    if (kind === 'restart-store') return this.restart();
    if (kind === 'cut-connections') return this.cut();
    if (kind === 'cold-start-outage') return this.coldStart(rng);
    const leader = this.leader();
    if ((NETWORK_FAULTS as readonly string[]).includes(kind)) {
      const fault = await networkFault(this.t, kind, rng, leader);
      if (typeof fault === 'string') return fault;
      this.linkFaults.push(fault);
      if (fault.leader) this.disruptions.push({ kind: `${kind} (leader's link)`, at: fault.from });
      return `pids ${fault.pids.join(', ')}${fault.leader ? ` (leader ${fault.leader})` : ''} for ${fault.to - fault.from} ms, heal: ${fault.heal}`;
    }
    if (!leader) return `skipped (${this.t.cluster.leaders().length} processes say they lead)`;
    if (kind === 'kill-leader') return this.killAndReplace(leader);
    const pause =
      kind === 'stall-leader'
        ? await stallLeader(this.t, leader)
        : await pauseLeader(this.t, leader, kind as 'stop-leader' | 'stop-in-callback');
    if (typeof pause === 'string') return pause;
    this.pauses.push(pause);
    this.disruptions.push({ kind, at: pause.from });
    return `pid ${pause.pid} ${kind === 'stall-leader' ? 'blocked' : 'paused'} ${pause.to - pause.from} ms`;
  }

  /** The one live instance that leads: the only one that says so, or the one making the source calls. */
  private leader(): Instance | undefined {
    this.t.calls.poll();
    const runner = this.t.calls.runner();
    const leaders = this.t.cluster.leaders();
    return leaders.length === 1 ? leaders[0] : leaders.find((i) => i.pid === runner);
  }

  /** SIGKILL, then cold start: fresh processes on the same store and backup directory until the count is back. */
  private async killAndReplace(victim: Instance): Promise<string> {
    this.t.calls.poll();
    const leader = victim.leader || victim.pid === this.t.calls.runner();
    const at = Date.now();
    if (leader) this.disruptions.push({ kind: 'kill-leader', at });
    await this.t.cluster.kill(victim);
    const started: number[] = [];
    for (let attempt = 0; attempt < 3 && this.t.cluster.live().length < this.t.instances; attempt++) {
      const replacement = await this.t.cluster.spawn();
      if (replacement) started.push(replacement.pid);
    }
    return `pid ${victim.pid}${leader ? ' (leader)' : ''}; replacement ${started.join(', ') || 'FAILED'} ready after ${Date.now() - at} ms`;
  }

  /** Crash the store server and start it again on the same port. */
  private async restart(): Promise<string> {
    const at = Date.now();
    this.disruptions.push({ kind: 'restart-store', at });
    // A restart without persistence empties the store: fences seen before it no longer count.
    if (!this.t.store.persistent) this.t.monitor.forgetFences();
    await this.t.store.restart();
    if (!this.t.store.persistent) this.t.monitor.forgetFences();
    return `down and back in ${Date.now() - at} ms`;
  }

  /** Stop the store, replace an instance by a fresh one on the shared backup dir, start the store. */
  private async coldStart(rng: SeededRandom): Promise<string> {
    const at = Date.now();
    this.disruptions.push({ kind: 'cold-start-outage', at });
    if (!this.t.store.persistent) this.t.monitor.forgetFences();
    const { result, line } = await coldStartDuringOutage(this.t.cluster, this.t.store, this.t.backupDir, rng);
    if (!this.t.store.persistent) this.t.monitor.forgetFences();
    if (result) this.coldStarts.push(result);
    return line;
  }

  /** Kill the library's connections on the server (CLIENT KILL / pg_terminate_backend). */
  private async cut(): Promise<string> {
    this.disruptions.push({ kind: 'cut-connections', at: Date.now() });
    const killed = await this.t.store.cutConnections();
    this.connectionsCut += killed;
    return `${killed} connections killed`;
  }
}
