/**
 * Entry point of `npm run bench` (never part of `npm test`).
 *
 *   node build/test/bench/run.js [--quick] [--out <file.json>] [--only <name,...>]
 *
 * Runs each benchmark in turn, prints one Markdown table per benchmark (the
 * alternatives measured in this same run, with the ratios between them), then
 * the targets of the issue and whether this run met them, and writes every
 * figure as JSON to `--out` (default: a file in the temp directory, named at
 * the end). `--quick` is a smoke check: fewer trials and shorter windows, the
 * whole suite in under two minutes. Progress goes to stderr, tables to stdout.
 * Exits 1 when a benchmark failed (a missed target is reported, not an error).
 */
import { writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { postgresSkip, redisSkip } from '../support/services.js';
import { type Benchmark, type BenchResult, fmtTarget, markdown } from './bench.util.js';
import { largeChange } from './large-change.bench.js';
import { propagation } from './propagation.bench.js';
import { readPath } from './read-path.bench.js';
import { scale } from './scale.bench.js';
import { sourceLoad } from './source-load.bench.js';
import { takeover } from './takeover.bench.js';
import { backupColdStart } from './backup-cold-start.bench.js';
import { schemaCost } from './schema-cost.bench.js';

const BENCHMARKS: Record<string, Benchmark> = {
  'read-path': readPath,
  'source-load': sourceLoad,
  propagation,
  takeover,
  scale,
  'large-change': largeChange,
  'backup-cold-start': backupColdStart,
  'schema-cost': schemaCost,
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
  },
});
const quick = values.quick!;
const only =
  values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? Object.keys(BENCHMARKS);
const unknown = only.filter((name) => !(name in BENCHMARKS));
if (unknown.length) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose among ${Object.keys(BENCHMARKS).join(', ')}\n`);
  process.exit(2);
}
const out =
  values.out ??
  join(tmpdir(), `vsync-bench-${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);

// Most benchmarks need Redis, two need PostgreSQL: without them, stop now and say how to start them.
const missing = [await redisSkip(), await postgresSkip()].filter(Boolean);
if (missing.length) {
  process.stderr.write(`The benchmarks need Redis and PostgreSQL: ${missing.join('; ')}\n`);
  process.exit(1);
}

const started = Date.now();
const log = (message: string) =>
  process.stderr.write(`[bench +${((Date.now() - started) / 1_000).toFixed(1)}s] ${message}\n`);
const results: Record<string, (BenchResult & { seconds: number }) | { error: string; seconds: number }> = {};
let failed = false;

process.stdout.write(`# nestjs-version-sync benchmarks${quick ? ' (--quick smoke check)' : ''}\n\n`);
process.stdout.write(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}\n\n`,
);
for (const name of only) {
  const t0 = Date.now();
  log(`${name}: start`);
  try {
    const result = await BENCHMARKS[name]({ quick, log });
    const seconds = (Date.now() - t0) / 1_000;
    results[name] = { ...result, seconds };
    process.stdout.write(`## ${name} (${seconds.toFixed(0)} s)\n\n`);
    for (const table of result.tables) process.stdout.write(`${markdown(table)}\n`);
  } catch (error) {
    failed = true;
    const seconds = (Date.now() - t0) / 1_000;
    results[name] = { error: error instanceof Error ? (error.stack ?? error.message) : String(error), seconds };
    process.stdout.write(
      `## ${name}: FAILED after ${seconds.toFixed(0)} s\n\n\`\`\`\n${String(error instanceof Error ? error.message : error)}\n\`\`\`\n\n`,
    );
  }
}

const targets = Object.values(results).flatMap((r) => ('targets' in r ? r.targets : []));
if (targets.length) {
  process.stdout.write(
    `${markdown({
      title: `Targets${quick ? ' (quick run: shorter windows, fewer trials)' : ''}`,
      columns: ['what', 'target', 'measured', 'verdict', 'note'],
      rows: targets.map((t) => [t.what, t.target, t.measured, fmtTarget(t.met), t.note ?? '']),
    })}\n`,
  );
}

const seconds = (Date.now() - started) / 1_000;
const report = {
  quick,
  node: process.version,
  cpus: cpus().length,
  startedAt: new Date(started).toISOString(),
  seconds,
  results,
};
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`Total ${seconds.toFixed(0)} s. JSON written to ${out}\n`);
process.exit(failed ? 1 : 0);
