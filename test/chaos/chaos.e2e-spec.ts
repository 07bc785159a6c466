/**
 * The short chaos run of `npm test`: the same engine as `npm run chaos`, in
 * this process, on each backend for CHAOS_SECONDS (default 45) seconds of
 * faults — about a minute per backend with start-up and convergence — on a
 * redis-server / PostgreSQL it starts itself (the shared servers are never
 * touched) and on a SQLite file in a temp directory. Skips loudly without
 * redis-server / initdb; with CI=true that is a failure. Every invariant is
 * asserted, and a run with a server must have had network faults (partitions);
 * the full table goes to the diagnostics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runChaos } from './chaos.engine.js';
import { markdown } from './chaos.report.js';
import { storeSkip } from './chaos.store.js';
import { faultKinds, NETWORK_FAULTS } from './fault.injector.js';

const seconds = Number(process.env.CHAOS_SECONDS ?? 45);
const seed = process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);

for (const backend of ['redis', 'postgres', 'sqlite'] as const) {
  const skip = await storeSkip(backend);
  const faults = faultKinds({ hasServer: backend !== 'sqlite' }).join(', ');
  describe(
    `chaos (${backend}): 5 instances × 10 tasks (1 version in 8 invalid), ${seconds} s of ${faults}`,
    { skip, timeout: (seconds + 150) * 1_000 },
    () => {
      it('keeps every invariant: one runner, no stale write, no regression, schema, convergence, no crash', async (t) => {
        const progress: string[] = [];
        const result = await runChaos({ backend, seconds, seed, log: (line) => progress.push(line) });
        const report = markdown(result);
        for (const line of report.split('\n')) t.diagnostic(line);
        const failed = result.invariants.filter((row) => row.pass === false);
        assert.deepEqual(
          failed.map((row) => `${row.name}: ${row.value} (target ${row.target})`),
          [],
          `seed ${result.seed}:\n${report}\nprogress:\n${progress.join('\n')}`,
        );
        if (backend !== 'sqlite') {
          const network = NETWORK_FAULTS.reduce((n, kind) => n + (result.faults[kind] ?? 0), 0);
          assert.ok(network > 0, `seed ${result.seed}: no network fault injected\n${progress.join('\n')}`);
        }
      });
    },
  );
}
