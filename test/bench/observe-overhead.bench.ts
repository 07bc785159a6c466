/**
 * Check-path cost of the instrumentation (standalone: `node build/test/bench/observe-overhead.bench.js [--quick]`).
 *
 * One child process per run, with 1,000 tasks whose VERSION never changes (the common check:
 * VERSION, then a touch of the store). The module's own timers are parked (interval of an hour)
 * and the bench drives the leader's checker over every task in a loop, so the figure is the check
 * path itself, not timer jitter on a shared machine. Three variants, interleaved:
 *   off     telemetry: false — the build without instrumentation (the hooks call an empty probe)
 *   no-sdk  the default, with @opentelemetry/api installed and no SDK registered (no-op meter and tracer)
 *   sdk-metrics  the SDK's MeterProvider with a pull reader, no tracer
 *   sdk     the SDK's MeterProvider with a reader and a BasicTracerProvider with an in-memory exporter
 *           (every check sampled: 3 spans per check)
 *   base    (with `--base <observe-overhead.bench.js compiled in a checkout without instrumentation>`)
 *           the same bench in the tree before this feature, for the cost of the hooks themselves
 * CPU per check = process CPU time (user + system) over the loop / checks in the loop.
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Injectable, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SyncAction, SyncModule, SyncService, SyncTask } from '../../lib/index.js';
import { SyncLeaseKeeper } from '../../lib/engine/lease.keeper.js';
import { SyncReplicaState } from '../../lib/engine/replica.state.js';
import { SyncTaskChecker } from '../../lib/engine/task.checker.js';

type Variant = 'base' | 'off' | 'no-sdk' | 'sdk-metrics' | 'sdk';
const TASKS = 1_000;
const INTERVAL = 3_600_000;

class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function child(variant: Variant, rounds: number): Promise<void> {
  let calls = 0;
  const tasks: Type[] = [];
  for (let i = 0; i < TASKS; i++) {
    @Injectable()
    class Task {
      @SyncTask(`t${i}`)
      fetch(action: SyncAction) {
        calls++;
        return action === SyncAction.VERSION ? 1 : { i };
      }
    }
    tasks.push(Task);
  }
  const exporter = new InMemorySpanExporter();
  const meterProvider = new MeterProvider({ readers: [new PullReader()] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const telemetry = {
    base: undefined,
    off: false as const,
    'no-sdk': undefined,
    'sdk-metrics': { meterProvider },
    sdk: { meterProvider, tracerProvider },
  }[variant];
  // The tree without instrumentation refuses an unknown option: give it none.
  const options = variant === 'base' ? { interval: INTERVAL } : { interval: INTERVAL, telemetry };
  @Module({ imports: [SyncModule.forRoot(options)], providers: tasks })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false });
  await app.init();
  await app.get(SyncService).whenReady();
  const term = app.get(SyncLeaseKeeper).current!;
  const checker = app.get(SyncTaskChecker);
  const states = app.get(SyncReplicaState).all();
  const loop = async (n: number) => {
    for (let round = 0; round < n; round++) for (const state of states) await checker.check(state, term);
  };
  await loop(3); // warm-up: JIT
  exporter.reset();
  const startCalls = calls;
  const cpu = process.cpuUsage();
  await loop(rounds);
  const used = process.cpuUsage(cpu);
  const checks = calls - startCalls;
  exporter.reset();
  await app.close();
  process.send?.({ checks, cpuMicros: used.user + used.system });
}

function run(variant: Variant, rounds: number): Promise<{ checks: number; cpuMicros: number }> {
  return new Promise((resolve, reject) => {
    const file = variant === 'base' ? baseBench! : fileURLToPath(import.meta.url);
    const proc = fork(file, ['--child', variant, String(rounds)], { stdio: 'inherit' });
    proc.once('message', (m) => resolve(m as { checks: number; cpuMicros: number }));
    proc.once('exit', (code) => code && reject(new Error(`${variant} exited with ${code}`)));
  });
}

const baseAt = process.argv.indexOf('--base');
const baseBench = baseAt > 0 ? process.argv[baseAt + 1] : undefined;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const trials = quick ? 1 : 7;
  const rounds = quick ? 5 : 30;
  const variants: Variant[] = [...(baseBench ? (['base'] as const) : []), 'off', 'no-sdk', 'sdk-metrics', 'sdk'];
  const perCheck: Record<Variant, number[]> = { base: [], off: [], 'no-sdk': [], 'sdk-metrics': [], sdk: [] };
  const rates: Record<Variant, number[]> = { base: [], off: [], 'no-sdk': [], 'sdk-metrics': [], sdk: [] };
  for (let trial = 0; trial < trials; trial++) {
    for (const variant of variants) {
      const { checks, cpuMicros } = await run(variant, rounds);
      perCheck[variant].push(cpuMicros / checks);
      rates[variant].push(checks / (cpuMicros / 1e6));
      process.stderr.write(
        `trial ${trial + 1} ${variant}: ${checks} checks, ${(cpuMicros / checks).toFixed(2)} µs CPU/check\n`,
      );
    }
  }
  const reference: Variant = baseBench ? 'base' : 'off';
  const base = median(perCheck[reference]);
  console.log(`\n### Check-path CPU per check, ${TASKS} tasks, unchanged versions, memory store`);
  console.log(
    `(${trials} trial(s) of ${rounds} rounds × ${TASKS} checks per variant, interleaved; median [min–max])\n`,
  );
  console.log(`| variant | checks per CPU second | CPU µs per check | vs ${reference} |`);
  console.log('| --- | --- | --- | --- |');
  for (const variant of variants) {
    const values = perCheck[variant];
    const m = median(values);
    const range = `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
    const ratio = variant === reference ? '—' : `${(((m - base) / base) * 100).toFixed(1)} %`;
    console.log(`| ${variant} | ${median(rates[variant]).toFixed(0)} | ${m.toFixed(2)} [${range}] | ${ratio} |`);
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as Variant, Number(process.argv[4]));
else await main();
