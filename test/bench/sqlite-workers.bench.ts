/**
 * The one-host benchmarks of the SQLite backend, under node:cluster (4 workers), run standalone:
 *
 *   npm run build:all && node build/test/bench/sqlite-workers.bench.js [--quick]
 *
 * 1. Propagation: from the leader's store.write call to the moment every worker's getVersion returns
 *    the new version; SQLite with the file watch + 250 ms poll (the default), SQLite with a 25 ms poll
 *    alone, and Redis on this machine.
 * 2. Idle cost: CPU share of one core of the leader and of a follower with 20 tasks and no change.
 * 3. Source load: VERSION and DATA calls of 4 workers on SQLite vs the in-memory default, where every
 *    worker is its own leader.
 * Prints Markdown tables on stdout; progress on stderr.
 */
import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  deleteRedisKeys,
  latencies,
  type Latencies,
  markdown,
  ms,
  randomName,
  REDIS_URL,
  sleep,
} from './bench.util.js';

type Message = { type: string; [key: string]: unknown };
const WORKER = fileURLToPath(new URL('./sqlite-workers.worker.js', import.meta.url));
const WORKERS = 4;
const quick = parseArgs({ options: { quick: { type: 'boolean', default: false } } }).values.quick!;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A backend for the workers, with its cleanup. */
interface Setup {
  label: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

function sqlite(label: string, extra: Record<string, string> = {}): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'vsync-bench-sqlite-'));
  return {
    label,
    env: { BACKEND: 'sqlite', SQLITE_PATH: join(dir, 'sync.db'), ...extra },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function redis(): Setup {
  const prefix = randomName('prefix');
  return {
    label: 'Redis',
    env: { BACKEND: 'redis', REDIS_URL, KEY_PREFIX: prefix },
    cleanup: () => deleteRedisKeys(prefix),
  };
}

const memory = (): Setup => ({
  label: 'in-memory (default)',
  env: { BACKEND: 'memory' },
  cleanup: async () => undefined,
});

class Group {
  readonly workers: { worker: Worker; messages: Message[] }[] = [];

  constructor(private readonly setup: Setup) {}

  async start(env: Record<string, string>): Promise<void> {
    cluster.setupPrimary({ exec: WORKER, silent: false });
    for (let i = 0; i < WORKERS; i++) {
      const worker = cluster.fork({ ...this.setup.env, ...env, SYNC_NAME: 'bench' });
      const entry = { worker, messages: [] as Message[] };
      worker.on('message', (m: Message) => entry.messages.push(m));
      this.workers.push(entry);
    }
    await Promise.all(this.workers.map((w) => this.waitFor(w, (m) => m.type === 'ready', 60_000)));
  }

  async leader(): Promise<number> {
    const leading = () =>
      this.workers.findIndex((w) => w.messages.filter((m) => m.type === 'leader').at(-1)?.leader === true);
    for (let i = 0; i < 2_000 && leading() < 0; i++) await sleep(5);
    return leading();
  }

  async waitFor(entry: { messages: Message[] }, accept: (m: Message) => boolean, limit: number): Promise<Message> {
    const until = Date.now() + limit;
    for (;;) {
      const found = entry.messages.find(accept);
      if (found) return found;
      if (Date.now() > until) throw new Error(`${this.setup.label}: no matching message within ${limit} ms`);
      await sleep(1);
    }
  }

  /** The leader writes `version`; ms from its write call to the last worker's install. */
  async change(version: number): Promise<number> {
    const leader = this.workers[await this.leader()];
    for (const { worker } of this.workers) worker.send({ type: 'change', version });
    const of = (type: string) => (m: Message) => m.type === type && m.version === version;
    const write = await this.waitFor(leader, (m) => of('write')(m) && m.accepted === true, 10_000);
    const installs = await Promise.all(this.workers.map((w) => this.waitFor(w, of('installed'), 10_000)));
    return Math.max(...installs.map((m) => m.at as number)) - (write.at as number);
  }

  /** CPU share of one core per worker over `window` ms. */
  async cpu(window: number): Promise<{ leader: boolean; share: number }[]> {
    for (const { worker } of this.workers) worker.send({ type: 'cpu', ms: window });
    const replies = await Promise.all(this.workers.map((w) => this.waitFor(w, (m) => m.type === 'cpu', window * 3)));
    return replies.map((r) => ({
      leader: r.leader === true,
      share: ((r.user as number) + (r.system as number)) / 1_000 / (r.ms as number),
    }));
  }

  calls(action: string): number {
    return this.workers.reduce(
      (n, w) => n + w.messages.filter((m) => m.type === 'call' && m.action === action).length,
      0,
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        ({ worker }) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.send({ type: 'close' });
            setTimeout(() => worker.process.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    await this.setup.cleanup();
  }
}

async function withGroup<T>(setup: Setup, env: Record<string, string>, work: (g: Group) => Promise<T>): Promise<T> {
  const group = new Group(setup);
  try {
    await group.start(env);
    return await work(group);
  } finally {
    await group.stop();
  }
}

async function propagation(): Promise<string[][]> {
  const changes = quick ? 30 : 200;
  const rows: string[][] = [];
  const setups = [
    sqlite('SQLite, watch + 250 ms poll (default)'),
    sqlite('SQLite, 25 ms poll only', { WATCH: 'false', POLL_MS: '25' }),
    redis(),
  ];
  for (const setup of setups) {
    log(`propagation: ${setup.label}, ${changes} changes`);
    const result: Latencies = await withGroup(setup, { INTERVAL_MS: '1000', TASKS: '1' }, async (g) => {
      const values: number[] = [];
      for (let i = 0; i < changes + 5; i++) {
        const latency = await g.change(i + 2);
        if (i >= 5) values.push(latency);
        await sleep(Math.random() * 40);
      }
      return latencies(values);
    });
    rows.push([setup.label, ms(result.p50), ms(result.p99), ms(result.max), result.p99 <= 20 ? 'met' : '**MISSED**']);
  }
  return rows;
}

async function idle(): Promise<string[][]> {
  const window = quick ? 3_000 : 10_000;
  const rows: string[][] = [];
  const setups = [
    sqlite('SQLite, watch + 250 ms poll (default)'),
    sqlite('SQLite, watch + 25 ms poll', { POLL_MS: '25' }),
    sqlite('SQLite, 10 ms poll only', { WATCH: 'false', POLL_MS: '10' }),
    redis(),
    memory(),
  ];
  for (const setup of setups) {
    log(`idle: ${setup.label}, 20 tasks, ${window} ms`);
    const shares = await withGroup(setup, { INTERVAL_MS: '1000', TASKS: '20', LEADER_POLL_MS: '500' }, async (g) => {
      await g.leader();
      await sleep(2_000);
      return g.cpu(window);
    });
    const followers = shares.filter((s) => !s.leader).map((s) => s.share);
    const leader = shares.find((s) => s.leader)?.share;
    const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(2)} %`);
    const mean = followers.length ? followers.reduce((a, b) => a + b, 0) / followers.length : undefined;
    rows.push([setup.label, pct(leader), pct(mean), `${followers.length}`]);
  }
  return rows;
}

async function sourceLoad(): Promise<string[][]> {
  const seconds = quick ? 4 : 10;
  const rows: string[][] = [];
  const counts: { label: string; version: number; data: number }[] = [];
  for (const setup of [sqlite('SQLite (one leader)'), memory()]) {
    log(`source load: ${setup.label}, ${seconds} s, interval 200 ms, a change every second`);
    counts.push(
      await withGroup(setup, { INTERVAL_MS: '200', TASKS: '1' }, async (g) => {
        await g.leader();
        await sleep(500);
        const [version0, data0] = [g.calls('version'), g.calls('data')];
        for (let s = 0; s < seconds; s++) {
          for (const { worker } of g.workers) worker.send({ type: 'set', version: 1_000 + s });
          await sleep(1_000);
        }
        return { label: setup.label, version: g.calls('version') - version0, data: g.calls('data') - data0 };
      }),
    );
  }
  const [one, each] = counts;
  for (const c of counts) rows.push([c.label, `${c.version}`, `${c.data}`]);
  rows.push(['ratio in-memory / SQLite', (each.version / one.version).toFixed(2), (each.data / one.data).toFixed(2)]);
  return rows;
}

const mode = quick ? ' (quick)' : '';
process.stdout.write(
  markdown({
    title: `Propagation, ${WORKERS} node:cluster workers: leader's write → every worker's getVersion${mode}`,
    columns: ['backend', 'p50', 'p99', 'max', 'target p99 ≤ 20 ms'],
    rows: await propagation(),
  }),
);
process.stdout.write(
  markdown({
    title: `Idle CPU (share of one core), ${WORKERS} workers, 20 tasks, interval 1 s, no change${mode}`,
    columns: ['backend', 'leader', 'follower (mean)', 'followers'],
    rows: await idle(),
  }),
);
process.stdout.write(
  markdown({
    title: `Source load, ${WORKERS} node:cluster workers, 1 task, interval 200 ms, a change per second${mode}`,
    columns: ['backend', 'VERSION calls', 'DATA calls'],
    rows: await sourceLoad(),
  }),
);
