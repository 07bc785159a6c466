/**
 * The chaos engine: N instances of test/fixtures/instance.js with T tasks (each
 * with a schema) on a store of the run's own, a source whose versions move at
 * random — about one version in 8 with DATA that fails the schema — and for
 * `seconds` one random fault every 1–3 s. Then faults stop; once the cluster has
 * recovered (one leader, every instance serving the source's versions, the last
 * of which is valid) every task gets a final, valid version, which every instance
 * must serve within one interval + 1 s. `runChaos` returns the invariants (see
 * chaos.report.ts); run.ts is its CLI, chaos.e2e-spec.ts its short run in `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { timeUntil } from '../support/wait-for.js';
import { CallsLog } from './calls.log.js';
import { ChaosCluster } from './chaos.cluster.js';
import { randomSeed, SeededRandom } from './chaos.random.js';
import { type ChaosResult, evaluate } from './chaos.report.js';
import { type ChaosBackend, CHAOS_NAMESPACE, type ChaosStore, startStore } from './chaos.store.js';
import { FaultInjector, faultKinds, faultPlan } from './fault.injector.js';
import { StoreMonitor } from './store.monitor.js';

/** Settings of one chaos run. */
export interface ChaosOptions {
  backend: ChaosBackend;
  /** Length of the fault phase. */
  seconds: number;
  /** Seed of the fault and version-bump draws (random when absent; printed either way). */
  seed?: number;
  /** Default 5. */
  instances?: number;
  /** Default 10. */
  tasks?: number;
  /** ms; default 200. */
  interval?: number;
  /** ms; default 1000. */
  leaseTtl?: number;
  /** Redis only: 'aof' (default; a crash keeps every acknowledged write) or 'none' (a crash empties the store). */
  redisPersistence?: 'aof' | 'none';
  /** Progress lines. */
  log?: (message: string) => void;
}

/** Slack on top of one interval for "every instance serves the final version". */
export const CONVERGENCE_MARGIN_MS = 1_000;

/** One version in this many gets DATA that fails the tasks' schema. */
export const INVALID_ONE_IN = 8;

/** Runs one chaos session and returns what it saw; servers, processes and files are removed in every case. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { backend, seconds, instances = 5, tasks = 10, interval = 200, leaseTtl = 1_000 } = options;
  const seed = options.seed ?? randomSeed();
  const started = Date.now();
  const log = (message: string) =>
    options.log?.(`[chaos ${backend} +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const rng = new SeededRandom(seed);
  const [faultRng, bumpRng] = [rng.fork(1), rng.fork(2)];
  const tags = Array.from({ length: tasks }, (_, i) => `t${i}`);
  let store: ChaosStore | undefined;
  let cluster: ChaosCluster | undefined;
  let monitor: StoreMonitor | undefined;
  // One backup directory for every instance, as processes of one host share it (the cold-start fault reuses it).
  const backupDir = mkdtempSync(join(tmpdir(), 'vsync-chaos-backup-'));
  try {
    store = await startStore(backend, { redisPersistence: options.redisPersistence, tags });
    log(`seed ${seed}; ${store.description}`);
    const env = {
      ...store.env,
      SYNC_NAME: CHAOS_NAMESPACE,
      SYNC_INTERVAL_MS: String(interval),
      SYNC_LEASE_TTL_MS: String(leaseTtl),
      DATA_DELAY_MS: '0',
      BACKUP_DIR: backupDir,
      TASK_SCHEMA: '1',
    };
    const c = (cluster = new ChaosCluster(env, tags, store));
    const versions = new Map(tags.map((tag) => [tag, 1]));
    let invalidVersions = 0;
    const bump = (tag: string, invalid: boolean) => {
      versions.set(tag, versions.get(tag)! + 1);
      c.source.setVersion(tag, versions.get(tag)!, invalid);
      if (invalid) invalidVersions++;
    };
    const serving = () => c.live().every((i) => tags.every((tag) => i.versions.get(tag) === versions.get(tag)));
    const settled = () => c.leaders().length === 1 && serving();

    await Promise.all(Array.from({ length: instances }, () => c.spawn()));
    if (c.live().length < instances)
      throw new Error(
        `only ${c.live().length} of ${instances} instances started:\n${c.crashes.map((x) => `pid ${x.pid}: ${x.how}\n${x.tail}`).join('\n---\n')}`,
      );
    const calls = new CallsLog(c.cluster.dir);
    monitor = new StoreMonitor(store, tags);
    monitor.start();
    await timeUntil(settled, 30_000, 'one leader and every instance at version 1');
    log(
      `${instances} instances × ${tasks} tasks ready (interval ${interval} ms, lease TTL ${leaseTtl} ms); faults for ${seconds} s`,
    );

    // Fault phase: one fault at a time, 1–3 s apart; meanwhile random tasks get new versions.
    const injector = new FaultInjector({ cluster: c, store, calls, monitor, leaseTtl, instances, backupDir });
    const plan = faultPlan(faultKinds(store), faultRng);
    const faultsEnd = Date.now() + seconds * 1_000;
    const bumping = (async () => {
      while (Date.now() < faultsEnd) {
        for (let n = bumpRng.int(1, 2); n > 0; n--) bump(bumpRng.pick(tags), bumpRng.int(1, INVALID_ONE_IN) === 1);
        await sleep(bumpRng.int(100, 400));
      }
    })();
    for (;;) {
      await sleep(Math.max(0, Math.min(faultRng.int(1_000, 3_000), faultsEnd - Date.now())));
      if (Date.now() >= faultsEnd) break;
      log(await injector.inject(plan.next().value, faultRng));
      calls.poll();
    }
    await bumping;
    // The leaders keep the last good data while a version's DATA is invalid: end on valid ones.
    for (const tag of tags) if (c.source.invalid(tag)) bump(tag, false);

    // Recovery: back to full strength, then one leader and every instance up to date.
    const quietAt = Date.now();
    for (let attempt = 0; attempt < 3 && c.live().length < instances; attempt++) await c.spawn();
    const recoveryMs = await timeUntil(settled, 30_000, 'recovery').then(
      () => Date.now() - quietAt,
      () => undefined,
    );
    log(
      recoveryMs === undefined
        ? 'NOT recovered within 30 s after the last fault'
        : `recovered ${recoveryMs} ms after the last fault`,
    );

    // Convergence: a final (valid) version for every task, served by every instance within one interval + margin.
    for (const tag of tags) versions.set(tag, versions.get(tag)! + 1);
    const finalAt = Date.now();
    for (const tag of tags) c.source.setVersion(tag, versions.get(tag)!, false);
    await timeUntil(serving, 10_000, 'final versions').catch(() => undefined);
    const convergence = await Promise.all(
      tags.map(async (tag) => {
        const final = versions.get(tag)!;
        const times = c
          .live()
          .map((i) => i.events.find((e) => e.type === 'change' && e.tag === tag && e.version === final)?.at);
        const ms = times.every((at) => at !== undefined) ? Math.max(...(times as number[])) - finalAt : undefined;
        return { tag, version: final, ms };
      }),
    );
    // Confirm over HTTP what the instances serve, not only what they announced: the final version,
    // and data that is that version's and passes the schema.
    const states = await Promise.all(c.live().map((i) => i.state().catch(() => undefined)));
    for (const entry of convergence) {
      const served = (s: (typeof states)[number]) =>
        s?.versions[entry.tag] === entry.version &&
        s.data[entry.tag]?.version === entry.version &&
        s.data[entry.tag]?.problem === null;
      if (!states.every(served)) entry.ms = undefined;
    }
    await sleep(interval * 2); // let the monitor read the lease once more after the last calls
    await monitor.stop();
    calls.poll();
    log('done; checking invariants');
    return evaluate({
      backend,
      seed,
      seconds,
      instances,
      tasks,
      interval,
      leaseTtl,
      store,
      cluster: c,
      calls,
      monitor,
      injector,
      recoveryMs,
      convergence,
      invalidVersions,
      convergenceTarget: interval + CONVERGENCE_MARGIN_MS,
    });
  } finally {
    await monitor?.stop();
    await cluster?.stop();
    await store?.dispose();
    rmSync(backupDir, { recursive: true, force: true });
  }
}
