/**
 * The faults of a chaos run, one at a time: SIGKILL an instance or the leader (and
 * cold-start a fresh replacement on the same store and backup directory), SIGSTOP the
 * leader past its lease and resume it, crash-restart the store server, cut the library's
 * connections, stop the store while a fresh instance boots from a backup. A backend
 * without a server (SQLite) gets only the process faults. Faults that can end a
 * leadership are recorded as disruptions, from which takeovers are timed.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallsLog } from './calls.log.js';
import type { Instance } from '../support/cluster.js';
import type { ChaosCluster } from './chaos.cluster.js';
import type { SeededRandom } from './chaos.random.js';
import type { ChaosStore } from './chaos.store.js';
import type { Disruption } from './invariant.checks.js';
import type { StoreMonitor } from './store.monitor.js';
import { type ColdStart, coldStartDuringOutage } from './backup-cold-start.fault.js';

/** The kinds of fault, drawn uniformly among those that apply to the store (`faultKinds`). */
export const FAULT_KINDS = [
  'kill',
  'kill-leader',
  'stop-leader',
  'restart-store',
  'cut-connections',
  'cold-start-outage',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that act on processes only: the ones that apply to a store without a server. */
const PROCESS_FAULTS: readonly FaultKind[] = ['kill', 'kill-leader', 'stop-leader'];

/** The faults that apply to `store`: all of them with a server; without one (SQLite), the process faults. */
export function faultKinds(store: Pick<ChaosStore, 'hasServer'>): readonly FaultKind[] {
  return store.hasServer ? FAULT_KINDS : PROCESS_FAULTS;
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

/** Whether `pid` is in the stopped state (Linux /proc); false when it cannot tell. */
function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'T';
  } catch {
    return false;
  }
}

/** Injects faults into one chaos run and counts them. */
export class FaultInjector {
  readonly counts: Record<FaultKind, number> = {
    kill: 0,
    'kill-leader': 0,
    'stop-leader': 0,
    'restart-store': 0,
    'cut-connections': 0,
    'cold-start-outage': 0,
  };
  /** What each cold start during a store outage saw (backup-cold-start.fault.ts). */
  readonly coldStarts: ColdStart[] = [];
  readonly disruptions: Disruption[] = [];
  /** Faults not injected: no single leader to stop, or the leader never free of an open call. */
  skipped = 0;
  /** SIGSTOPs undone at once because the leader turned out to be inside a callback. */
  abortedStops = 0;
  /** Connections the cuts killed, in total. */
  connectionsCut = 0;
  /** Faults that threw (the run goes on; listed in the report). */
  readonly errors: string[] = [];

  constructor(private readonly t: FaultTargets) {}

  /** Injects one fault of `kind`; resolves with a line for the progress log once it is over. */
  async inject(kind: FaultKind, rng: SeededRandom): Promise<string> {
    try {
      const done =
        kind === 'kill'
          ? await this.kill(rng)
          : kind === 'kill-leader'
            ? await this.killLeader()
            : kind === 'stop-leader'
              ? await this.stopLeader(rng)
              : kind === 'restart-store'
                ? await this.restart()
                : kind === 'cold-start-outage'
                  ? await this.coldStart(rng)
                  : await this.cut();
      if (done.startsWith('skipped')) this.skipped++;
      else this.counts[kind]++;
      return `${kind}: ${done}`;
    } catch (error) {
      const message = `${kind} failed: ${error instanceof Error ? error.message : String(error)}`;
      this.errors.push(message);
      return message;
    }
  }

  /** SIGKILL a random instance, then start instances until there are as many as before. */
  private kill(rng: SeededRandom): Promise<string> {
    const live = this.t.cluster.live();
    if (live.length === 0) return Promise.resolve('skipped (no live instance)');
    return this.killAndReplace(rng.pick(live));
  }

  /** SIGKILL the leader (the one that says so, or the one running the checks), then replace it. */
  private killLeader(): Promise<string> {
    const leader = this.leader();
    return leader ? this.killAndReplace(leader) : Promise.resolve('skipped (no single leader)');
  }

  /** The one live instance that leads: the only one that says so, or the one making the source calls. */
  private leader(): Instance | undefined {
    this.t.calls.poll();
    const runner = this.t.calls.runner();
    const leaders = this.t.cluster.leaders();
    return leaders.length === 1 ? leaders[0] : leaders.find((i) => i.pid === runner);
  }

  /** Cold start: a fresh process on the same store and backup directory takes the dead one's place. */
  private async killAndReplace(victim: Instance): Promise<string> {
    this.t.calls.poll();
    const leader = victim.leader || victim.pid === this.t.calls.runner();
    const at = Date.now();
    if (leader) this.disruptions.push({ kind: 'kill leader', at });
    await this.t.cluster.kill(victim);
    const started: number[] = [];
    for (let attempt = 0; attempt < 3 && this.t.cluster.live().length < this.t.instances; attempt++) {
      const replacement = await this.t.cluster.spawn();
      if (replacement) started.push(replacement.pid);
    }
    return `pid ${victim.pid}${leader ? ' (leader)' : ''}; replacement ${started.join(', ') || 'FAILED'} ready after ${Date.now() - at} ms`;
  }

  /**
   * SIGSTOP the leader for 2 × lease TTL, at a moment it has no open call: a
   * process paused inside a callback necessarily overlaps its successor (its
   * call ends after the successor's begin), which says nothing about the
   * library. So: stop, wait until the kernel shows it stopped, read calls.log
   * again, and resume at once (and retry) if it was caught inside a call.
   */
  private async stopLeader(rng: SeededRandom): Promise<string> {
    const leader = this.leader();
    if (!leader) return `skipped (${this.t.cluster.leaders().length} processes say they lead)`;
    for (let attempt = 0; attempt < 50; attempt++) {
      this.t.calls.poll();
      if (!this.t.calls.hasOpenCall(leader.pid)) {
        leader.child.kill('SIGSTOP');
        const at = Date.now();
        for (let i = 0; i < 200 && !isStopped(leader.pid); i++) await sleep(1);
        this.t.calls.poll();
        if (!this.t.calls.hasOpenCall(leader.pid)) {
          this.disruptions.push({ kind: 'stop leader', at });
          await sleep(this.t.leaseTtl * 2);
          leader.child.kill('SIGCONT');
          return `pid ${leader.pid} paused ${Date.now() - at} ms${attempt ? ` (after ${attempt} retries)` : ''}`;
        }
        leader.child.kill('SIGCONT');
        this.abortedStops++;
      }
      await sleep(rng.int(2, 15));
    }
    return `skipped (pid ${leader.pid} was inside a callback at every try)`;
  }

  /** Crash the store server and start it again on the same port. */
  private async restart(): Promise<string> {
    const at = Date.now();
    this.disruptions.push({ kind: 'restart store', at });
    // A restart without persistence empties the store: fences seen before it no longer count.
    if (!this.t.store.persistent) this.t.monitor.forgetFences();
    await this.t.store.restart();
    if (!this.t.store.persistent) this.t.monitor.forgetFences();
    return `down and back in ${Date.now() - at} ms`;
  }

  /** Stop the store, replace an instance by a fresh one on the shared backup dir, start the store. */
  private async coldStart(rng: SeededRandom): Promise<string> {
    const at = Date.now();
    this.disruptions.push({ kind: 'cold start during outage', at });
    if (!this.t.store.persistent) this.t.monitor.forgetFences();
    const { result, line } = await coldStartDuringOutage(this.t.cluster, this.t.store, this.t.backupDir, rng);
    if (!this.t.store.persistent) this.t.monitor.forgetFences();
    if (result) this.coldStarts.push(result);
    return line;
  }

  /** Kill the library's connections on the server (CLIENT KILL / pg_terminate_backend). */
  private async cut(): Promise<string> {
    this.disruptions.push({ kind: 'cut connections', at: Date.now() });
    const killed = await this.t.store.cutConnections();
    this.connectionsCut += killed;
    return `${killed} connections killed`;
  }
}
