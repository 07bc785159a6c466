/**
 * 1. Read path: how many reads per second one process gets of the same ~3 KB
 * value, through `SyncService.getData` / `getSnapshot` and through what an app
 * would otherwise use — a plain Map (the floor), cache-manager 7 in memory,
 * an ioredis GET + JSON.parse per request, and lua-resty-sync's way of asking
 * the store for the version before every read (here: the store's revision, one
 * GET on Redis; and the same against the in-process MemorySyncStore).
 *
 * Each alternative has its own loop function (so no call site turns
 * megamorphic and penalises whichever runs last), runs are interleaved
 * round-robin (drift hits all alike), and every loop counts its hits, which is
 * checked, so no read can be optimised away.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createCache } from 'cache-manager';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { defineSyncTask, MemorySyncStore, SyncAction, SyncModule, SyncService, SyncTask } from '../../lib/index.js';
import type { SyncStore } from '../../lib/backend/index.js';
import { RedisSyncStore } from '../../lib/backends/redis/index.js';
import {
  type BenchOptions,
  type BenchResult,
  cell,
  deleteRedisKeys,
  randomName,
  ratio,
  REDIS_URL,
  type Spread,
  spread,
} from './bench.util.js';

const TAG = 'prices';
/** ~3 KB of JSON, the size the Redis figure was taken with. */
const DATA = {
  currency: 'EUR',
  items: Array.from({ length: 52 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Product ${i}`, price: 9.99 + i })),
};
/** The same task through a typed handle: reads by handle must cost what reads by tag do. */
const PRICES = defineSyncTask<typeof DATA>(TAG);

@Injectable()
class ReadSource {
  @SyncTask(TAG)
  fetch(action: SyncAction) {
    return action === SyncAction.VERSION ? 1 : DATA;
  }
}

@Module({ imports: [SyncModule.forRoot({ interval: 3_600_000 })], providers: [ReadSource] })
class ReadModule {}

type Loop = (n: number) => number | Promise<number>;
interface Case {
  name: string;
  loop: Loop;
  /** Iterations in the first calibration batch. */
  start: number;
}

/** Times one batch of `n` reads; returns ops/s (and checks every read hit). */
async function batch(c: Case, n: number): Promise<number> {
  const t0 = performance.now();
  const result = c.loop(n);
  const hits = typeof result === 'number' ? result : await result;
  const elapsed = performance.now() - t0;
  if (hits !== n) throw new Error(`${c.name}: ${hits} hits out of ${n} reads`);
  return (n / elapsed) * 1_000;
}

/** Iterations that take about `runMs`, found by doubling until a batch takes ≥ 20 ms. */
async function calibrate(c: Case, runMs: number): Promise<number> {
  let n = c.start;
  for (;;) {
    const t0 = performance.now();
    await batch(c, n);
    const elapsed = performance.now() - t0;
    if (elapsed >= 20) return Math.max(1, Math.round((n * runMs) / elapsed));
    n *= 2;
  }
}

export async function readPath({ quick, log }: BenchOptions): Promise<BenchResult> {
  const runs = quick ? 5 : 9;
  const runMs = quick ? 100 : 400;
  const warmupMs = quick ? 300 : 1_500;
  const prefix = randomName('prefix');
  const app = await NestFactory.createApplicationContext(ReadModule, { logger: false });
  const sync = app.get(SyncService);
  await sync.whenReady();
  const map = new Map<string, unknown>([[TAG, JSON.parse(JSON.stringify(DATA))]]);
  const cache = createCache();
  await cache.set(TAG, DATA);
  const redis = new Redis(REDIS_URL);
  const redisKey = `${prefix}:plain:${TAG}`;
  await redis.set(redisKey, JSON.stringify(DATA));
  const bytes = Buffer.byteLength(JSON.stringify(DATA));

  /** lua-resty-sync's get_data: ask the store for the version, decode only when it moved. */
  const versionFirst = async (store: SyncStore) => {
    const record = { tag: TAG, version: 1, data: DATA, modifiedAt: Date.now(), checkedAt: Date.now(), fence: 1 };
    await store.write('bench', record);
    let seen = -1;
    let local: unknown;
    return async (n: number) => {
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const revision = await store.revision('bench');
        if (revision !== seen) [seen, local] = [revision, (await store.read('bench', TAG))?.data];
        if (local !== undefined) hits++;
      }
      return hits;
    };
  };
  const redisStore = new RedisSyncStore({ url: REDIS_URL, keyPrefix: `${prefix}:store` });
  const memoryStore = new MemorySyncStore();

  // One loop per alternative, each counting hits (checked against n) so no read is optimised away.
  const cases: Case[] = [
    {
      name: 'Map.get (floor)',
      start: 100_000,
      loop: (n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if (map.get(TAG) !== undefined) hits++;
        return hits;
      },
    },
    {
      name: 'SyncService.getData',
      start: 100_000,
      loop: (n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if (sync.getData(TAG) !== undefined) hits++;
        return hits;
      },
    },
    {
      name: 'SyncService.getSnapshot',
      start: 100_000,
      loop: (n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if (sync.getSnapshot(TAG)?.data !== undefined) hits++;
        return hits;
      },
    },
    {
      name: 'cache-manager 7 `await get` (memory)',
      start: 1_000,
      loop: async (n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if ((await cache.get(TAG)) !== undefined) hits++;
        return hits;
      },
    },
    {
      name: 'version first: `await MemorySyncStore.revision()` + local',
      start: 1_000,
      loop: await versionFirst(memoryStore),
    },
    {
      name: 'version first: `await RedisSyncStore.revision()` + local (loopback)',
      start: 16,
      loop: await versionFirst(redisStore),
    },
    {
      name: `ioredis \`GET\` + \`JSON.parse\` (${(bytes / 1024).toFixed(1)} KB, loopback)`,
      start: 16,
      loop: async (n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if (JSON.parse((await redis.get(redisKey))!) !== undefined) hits++;
        return hits;
      },
    },
    {
      name: 'SyncService.getData(handle) (a `defineSyncTask` token)',
      start: 100_000,
      loop: (n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if (sync.getData(PRICES) !== undefined) hits++;
        return hits;
      },
    },
  ];

  try {
    const sizes = new Map<Case, number>();
    for (const c of cases) {
      log(`read-path: warming up ${c.name}`);
      const until = performance.now() + warmupMs;
      while (performance.now() < until) await batch(c, c.start);
      sizes.set(c, await calibrate(c, runMs));
    }
    const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
    for (let r = 0; r < runs; r++) {
      for (const c of cases) samples.get(c)!.push(await batch(c, sizes.get(c)!));
    }
    const results = new Map<string, Spread>(cases.map((c) => [c.name, spread(samples.get(c)!)]));
    const of = (i: number) => results.get(cases[i].name)!;
    const [floor, getData] = [of(0), of(1)];
    const rows = cases.map((c) => {
      const s = results.get(c.name)!;
      return [c.name, cell(s), ratio(s.median, floor.median), ratio(getData.median, s.median)];
    });
    const vsMap = getData.median / floor.median;
    const vsCache = getData.median / of(3).median;
    const vsRedis = getData.median / of(6).median;
    const byHandle = of(7).median / getData.median;
    const mode = quick ? `quick: ${runs} runs × ${runMs} ms` : `${runs} runs × ${runMs} ms`;
    return {
      tables: [
        {
          title: `Read path — ops/s in one process, same ${(bytes / 1024).toFixed(1)} KB value, median (min–max) of ${mode}, after ${warmupMs} ms warm-up each`,
          columns: ['read', 'ops/s', '÷ Map.get', 'getData ×'],
          rows,
        },
      ],
      targets: [
        {
          what: 'read: getData vs Map.get',
          target: '≥ 50 %',
          measured: `${(vsMap * 100).toFixed(0)} %`,
          met: vsMap >= 0.5,
        },
        {
          what: 'read: getData vs cache-manager get',
          target: '≥ ×15',
          measured: ratio(vsCache, 1),
          met: vsCache >= 15,
        },
        {
          what: 'read: getData vs ioredis GET+JSON.parse',
          target: '≥ ×3,000',
          measured: ratio(vsRedis, 1),
          met: vsRedis >= 3_000,
        },
        {
          what: 'read: getData(handle) vs getData(tag)',
          target: '≥ 95 %',
          measured: `${(byHandle * 100).toFixed(0)} %`,
          met: byHandle >= 0.95,
        },
      ],
      data: { bytes, runs, runMs, warmupMs, opsPerSecond: Object.fromEntries(results) },
    };
  } finally {
    await app.close();
    await redisStore.close();
    redis.disconnect();
    await deleteRedisKeys(prefix);
  }
}
