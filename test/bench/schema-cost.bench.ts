/**
 * What a schema costs per version: validating a 1 MB and a 10 MB DATA result with a zod 4
 * schema through its Standard Schema interface (what the leader and every follower run once
 * per version), beside the work every process already does for that version without a
 * schema — decoding the JSON a store returns, and deep-freezing the result. Nothing here is
 * on the read path: reads stay a Map lookup either way.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { deepFreeze } from '../../lib/engine/deep-freeze.util.js';
import { type BenchOptions, type BenchResult, cell, ms, spread, type Spread } from './bench.util.js';

const SIZES: [string, number][] = [
  ['1 MB', 1 << 20],
  ['10 MB', 10 << 20],
];

/** The price-list-like rows of the cold-start bench, and the schema that describes them. */
const row = (i: number) => ({
  id: i,
  sku: `SKU-${i.toString(36).padStart(8, '0')}`,
  price: i * 1.25,
  tags: ['a', 'b'],
});
const schema = z.object({
  rows: z.array(z.object({ id: z.number().int(), sku: z.string(), price: z.number(), tags: z.array(z.string()) })),
});

function json(bytes: number): string {
  const perRow = JSON.stringify(row(100_000)).length + 1;
  return JSON.stringify({ rows: Array.from({ length: Math.ceil(bytes / perRow) }, (_, i) => row(i)) });
}

/** ms of `work` over `trials` runs, each on fresh input from `input()` (not timed). */
function time<T>(trials: number, input: () => T, work: (value: T) => unknown): Spread {
  const samples: number[] = [];
  for (let i = 0; i < trials; i++) {
    const value = input();
    const start = performance.now();
    work(value);
    samples.push(performance.now() - start);
  }
  return spread(samples);
}

/** Validation cost per version with a zod schema, beside decode and freeze. */
export async function schemaCost({ quick, log }: BenchOptions): Promise<BenchResult> {
  const trials = quick ? 3 : 9;
  const rows: string[][] = [];
  const data: Record<string, unknown> = { trials };
  for (const [label, bytes] of SIZES) {
    log(`schema-cost: ${label}`);
    const text = json(bytes);
    const validate = (value: unknown) => {
      const result = schema['~standard'].validate(value);
      if (result instanceof Promise || result.issues) throw new Error('the bench data must be valid');
    };
    const decode = time(
      trials,
      () => text,
      (t) => JSON.parse(t),
    );
    const check = time(trials, () => JSON.parse(text) as unknown, validate);
    const freeze = time(trials, () => JSON.parse(text) as unknown, deepFreeze);
    const ratio = check.median / decode.median;
    rows.push([label, cell(decode, ms), cell(check, ms), cell(freeze, ms), `×${ratio.toFixed(2)}`]);
    data[label] = { bytes: text.length, decode, validate: check, freeze };
  }
  await Promise.resolve();
  return {
    tables: [
      {
        title: `Schema cost per version — zod 4 through \`~standard.validate\`, median (min–max) of ${trials} trials; once per version per process, never on the read path`,
        columns: ['payload', 'JSON.parse (decode)', 'validate (zod)', 'deepFreeze', 'validate ÷ decode'],
        rows,
      },
    ],
    targets: [],
    data,
  };
}
