/**
 * Shared helpers of the benchmark suite: statistics (median/min/max of repeated
 * runs, nearest-rank percentiles of latencies), number formatting, Markdown
 * tables, and the shape every benchmark hands back to run.ts (printed as
 * tables, written as JSON).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropSchema as dropTestSchema } from '../postgres/postgres-test.helper.js';
import { deleteKeys } from '../redis/redis-test.util.js';
import { POSTGRES_URL, REDIS_URL } from '../support/services.js';

export { POSTGRES_URL, REDIS_URL, sleep };

/** What run.ts passes to each benchmark. */
export interface BenchOptions {
  /** Smoke-check mode: fewer trials, shorter windows (every table title says so). */
  readonly quick: boolean;
  /** Progress lines (stderr), so stdout stays the tables. */
  log(message: string): void;
}

/** One Markdown table; `rows` hold display strings, the raw figures go in `BenchResult.data`. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: string[][];
}

/** A target of the issue and whether this run met it. */
export interface BenchTarget {
  what: string;
  target: string;
  measured: string;
  met: boolean;
  note?: string;
}

export interface BenchResult {
  tables: BenchTable[];
  targets: BenchTarget[];
  /** Raw figures (every run, every sample) for the JSON file. */
  data: Record<string, unknown>;
}

export type Benchmark = (options: BenchOptions) => Promise<BenchResult>;

/** Median, min and max of several runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN, runs: [...values] };
}

/** Nearest-rank percentile (`p` in 0..100) of unsorted `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** p50/p95/p99/max of latencies, as the propagation and takeover tables show them. */
export interface Latencies {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  min: number;
  samples: number[];
}

export function latencies(values: readonly number[]): Latencies {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
    min: values.length ? Math.min(...values) : NaN,
    samples: [...values],
  };
}

/** 79_100_000 → "79.1 M". */
export function si(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const [div, unit] = abs >= 1e9 ? [1e9, ' G'] : abs >= 1e6 ? [1e6, ' M'] : abs >= 1e3 ? [1e3, ' k'] : [1, ''];
  return `${Number((value / div).toPrecision(digits))}${unit}`;
}

/** Milliseconds with sensible precision: 0.412 ms, 12.3 ms, 2 041 ms. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = value < 1 ? 3 : value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ms`;
}

/** a ÷ b as "×12.3" (or "×0.48"). */
export function ratio(a: number, b: number): string {
  const r = a / b;
  if (!Number.isFinite(r)) return 'n/a';
  const shown =
    r >= 100
      ? Math.round(r).toLocaleString('en-US')
      : r >= 10
        ? r.toFixed(1)
        : r >= 0.01
          ? r.toFixed(2)
          : r.toPrecision(2);
  return `×${shown}`;
}

/** "median (min–max)" of a spread, each formatted by `format`. */
export function cell(s: Spread, format: (v: number) => string = si): string {
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

export function percent(value: number, digits = 2): string {
  return `${(value * 100).toFixed(digits)} %`;
}

/** Renders a table as GitHub Markdown. */
export function markdown(table: BenchTable): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `**${table.title}**`,
    '',
    line(table.columns),
    line(table.columns.map(() => '---')),
    ...table.rows.map(line),
    '',
  ].join('\n');
}

/** Wall-clock ms with sub-ms precision, comparable across processes of this machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** A key prefix / schema of this run alone, so nothing else is ever touched. */
export function randomName(kind: 'prefix' | 'schema'): string {
  const id = randomBytes(5).toString('hex');
  return kind === 'prefix' ? `vsync-bench-${id}` : `vsync_bench_${id}`;
}

/** Deletes every key under `prefix:` (SCAN + DEL, never FLUSH*). */
export const deleteRedisKeys = (prefix: string): Promise<void> => deleteKeys(REDIS_URL, prefix);

/** Drops a schema this run created (and only names made by `randomName('schema')`). */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^vsync_bench_[0-9a-f]+$/.test(schema)) throw new Error(`refusing to drop ${schema}`);
  await dropTestSchema(schema);
}

/** How the targets table shows a verdict. */
export function fmtTarget(met: boolean): string {
  return met ? 'met' : '**MISSED**';
}
