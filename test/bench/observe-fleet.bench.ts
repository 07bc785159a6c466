/**
 * Cost of the fleet view (standalone: `node build/test/bench/observe-fleet.bench.js [--quick]`).
 *
 * Per backend: what one heartbeat costs (its JSON, the bytes the client writes and reads on its
 * socket, the round trips), and the latency of reading the fleet (store.instances() + fleetView(),
 * what SyncService.fleet() does) with 100 simulated instances of 10 tasks each.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { SyncHeartbeat, SyncStore } from '../../lib/backend/index.js';
import { MemorySyncStore } from '../../lib/index.js';
import { PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { RedisSyncStore } from '../../lib/backends/redis/index.js';
import { fleetView } from '../../lib/engine/fleet/fleet.view.js';
import { POSTGRES_URL, REDIS_URL, postgresSkip, redisSkip } from '../support/services.js';
import { deleteKeys } from '../redis/redis-test.util.js';

const TASKS = 10;
const INSTANCES = 100;

/** A beat as a follower of a 10-task app sends it: host:pid:suffix id, numeric versions, revisions, times. */
function beatOf(i: number): SyncHeartbeat {
  const now = Date.now();
  const tasks: SyncHeartbeat['tasks'] = {};
  for (let t = 0; t < TASKS; t++) {
    tasks[`task-${t}`] = {
      version: 1_700_000_000 + t,
      revision: 1_795_958_887_641_495 + t,
      origin: 'live',
      installedAt: now,
    };
  }
  return {
    instance: `host-${i}:${10_000 + i}:${randomUUID().slice(0, 8)}`,
    host: `host-${i}`,
    pid: 10_000 + i,
    startedAt: now,
    at: now,
    leader: i === 0,
    tasks,
  };
}

/** What the bench can see of a backend's client: its socket and a count of the requests it sent. */
interface Probe {
  socket(): Socket | undefined;
  requests(): number;
}

interface Backend {
  name: string;
  store: SyncStore;
  probe: Probe;
  close(): Promise<void>;
}

async function backends(): Promise<Backend[]> {
  const list: Backend[] = [
    {
      name: 'memory',
      store: new MemorySyncStore(),
      probe: { socket: () => undefined, requests: () => 0 },
      close: async () => undefined,
    },
  ];
  if (!(await redisSkip())) {
    const client = new Redis(REDIS_URL);
    let sent = 0;
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((...args: Parameters<typeof send>) => (sent++, send(...args))) as typeof client.sendCommand;
    const prefix = `vsync-bench-${randomUUID()}`;
    list.push({
      name: 'redis',
      store: new RedisSyncStore({ client, keyPrefix: prefix }),
      probe: { socket: () => client.stream, requests: () => sent },
      close: async () => {
        await deleteKeys(REDIS_URL, prefix);
        client.disconnect();
      },
    });
  }
  if (!(await postgresSkip())) {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    let socket: Socket | undefined;
    pool.on(
      'connect',
      (client) => (socket = (client as unknown as { connection: { stream: Socket } }).connection.stream),
    );
    let sent = 0;
    const query = pool.query.bind(pool);
    pool.query = ((...args: unknown[]) => (
      sent++,
      (query as (...a: unknown[]) => unknown)(...args)
    )) as typeof pool.query;
    const schema = `vsync_bench_${randomBytes(5).toString('hex')}`;
    list.push({
      name: 'postgres',
      store: new PostgresSyncStore({ pool, schema }),
      probe: { socket: () => socket, requests: () => sent },
      close: async () => {
        await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
      },
    });
  }
  return list;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const beats = quick ? 50 : 500;
  const reads = quick ? 50 : 500;
  const rows: string[] = [];
  const latency: string[] = [];
  for (const backend of await backends()) {
    const { store, probe } = backend;
    const namespace = `bench-${randomUUID().slice(0, 8)}`;
    const mine = beatOf(0);
    for (let i = 0; i < 5; i++) await store.heartbeat!(namespace, mine, 15_000); // warm-up: scripts loaded, table made
    const [written, read, requests] = [
      probe.socket()?.bytesWritten ?? 0,
      probe.socket()?.bytesRead ?? 0,
      probe.requests(),
    ];
    for (let i = 0; i < beats; i++) await store.heartbeat!(namespace, { ...mine, at: Date.now() }, 15_000);
    const perBeat = {
      written: ((probe.socket()?.bytesWritten ?? 0) - written) / beats,
      read: ((probe.socket()?.bytesRead ?? 0) - read) / beats,
      trips: (probe.requests() - requests) / beats,
    };
    const json = Buffer.byteLength(JSON.stringify(mine));
    rows.push(
      `| ${backend.name} | ${json} | ${backend.name === 'memory' ? '—' : perBeat.written.toFixed(0)} | ${backend.name === 'memory' ? '—' : perBeat.read.toFixed(0)} | ${backend.name === 'memory' ? 0 : perBeat.trips.toFixed(2)} | ${backend.name === 'memory' ? '—' : ((perBeat.written * INSTANCES) / 1024).toFixed(1)} |`,
    );

    for (let i = 1; i < INSTANCES; i++) await store.heartbeat!(namespace, beatOf(i), 60_000);
    const times: number[] = [];
    let listed = 0;
    for (let i = 0; i < reads; i++) {
      const start = performance.now();
      const fleet = fleetView(await store.instances!(namespace), mine.instance);
      times.push(performance.now() - start);
      listed = fleet.length;
    }
    times.sort((a, b) => a - b);
    latency.push(
      `| ${backend.name} | ${listed} | ${percentile(times, 50).toFixed(2)} | ${percentile(times, 95).toFixed(2)} | ${percentile(times, 99).toFixed(2)} |`,
    );
    await store.close();
    await backend.close();
  }
  console.log(`\n### Heartbeat cost per instance per interval (${TASKS} tasks; mean of ${beats} beats)\n`);
  console.log(
    '| backend | beat JSON (bytes) | written on the socket (bytes) | read back (bytes) | round trips | KiB written per interval at 100 instances |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(
    `\n### fleet() at ${INSTANCES} simulated instances (${TASKS} tasks each; store.instances() + fleetView(); ${reads} reads)\n`,
  );
  console.log('| backend | instances listed | p50 ms | p95 ms | p99 ms |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const row of latency) console.log(row);
}

await main();
