import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSource } from '../fixtures/file.source.js';
import { waitFor } from '../support/wait-for.js';

const PRIMARY = fileURLToPath(new URL('./fixtures/sqlite-cluster.primary.js', import.meta.url));
const WORKER = fileURLToPath(new URL('./fixtures/sqlite-worker.js', import.meta.url));
const PM2 = fileURLToPath(new URL('../../../node_modules/.bin/pm2', import.meta.url));

/** What a worker wrote to its report file. */
export type WorkerEvent =
  | { type: 'ready'; at: number }
  | { type: 'change'; version: number; at: number }
  | { type: 'leader'; leader: boolean; at: number }
  | { type: 'warn'; message: string; at: number };

/** How the workers are started: a node:cluster primary, or `pm2 start -i N` (cluster mode). */
export type Launcher = 'cluster' | 'pm2';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A group of workers on one host sharing one SQLite file and one HTTP port, started by
 * node:cluster or PM2 (daemon in a temp PM2_HOME). Workers report to files in the group's
 * directory; the test signals them by pid. `stop()` kills everything (`pm2 kill`) and
 * removes the directory.
 */
export class WorkerGroup {
  readonly dir = mkdtempSync(join(tmpdir(), 'vsync-workers-'));
  readonly source = new FileSource(this.dir);
  readonly path = join(this.dir, 'sync.db');
  private primary?: ChildProcess;
  output = '';

  constructor(
    readonly launcher: Launcher,
    private readonly env: Record<string, string>,
  ) {
    this.source.setVersion('t', 1);
  }

  private get pm2Env() {
    return { ...process.env, PM2_HOME: join(this.dir, 'pm2') };
  }

  /** Starts `count` workers and waits until each reported ready. */
  async start(count = 4): Promise<number[]> {
    const env = { ...this.env, SOURCE_DIR: this.dir, SYNC_SQLITE_PATH: this.path, PORT: '0', NO_COLOR: '1' };
    if (this.launcher === 'cluster') {
      this.primary = spawn(process.execPath, [PRIMARY], {
        env: { ...process.env, ...env, WORKERS: String(count) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [this.primary.stdout, this.primary.stderr]) {
        stream?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
      }
    } else {
      const config = join(this.dir, 'ecosystem.config.cjs');
      const app = { name: 'vsync', script: WORKER, instances: count, exec_mode: 'cluster', env };
      writeFileSync(config, `module.exports = ${JSON.stringify({ apps: [app] })};\n`);
      execFileSync(PM2, ['start', config], { env: this.pm2Env, stdio: 'ignore' });
    }
    await waitFor(() => this.ready().length >= count, 30_000, `${count} workers ready:\n${this.output}`);
    return this.ready();
  }

  /** Every report file, by worker pid. */
  events(): Map<number, WorkerEvent[]> {
    const result = new Map<number, WorkerEvent[]>();
    for (const name of readdirSync(this.dir)) {
      const match = /^worker-(\d+)\.log$/.exec(name);
      if (!match) continue;
      const lines = readFileSync(join(this.dir, name), 'utf8').split('\n').filter(Boolean);
      result.set(
        Number(match[1]),
        lines.map((line) => JSON.parse(line) as WorkerEvent),
      );
    }
    return result;
  }

  /** Pids of the workers that reported ready. */
  ready(): number[] {
    return [...this.events()].filter(([, events]) => events.some((e) => e.type === 'ready')).map(([pid]) => pid);
  }

  /** Pids of the ready workers still running. */
  live(): number[] {
    return this.ready().filter(alive);
  }

  /** The live workers whose last leadership report says they lead. */
  leaders(among = this.live()): number[] {
    const events = this.events();
    return among.filter((pid) => {
      const last = events.get(pid)?.findLast((e) => e.type === 'leader');
      return last?.type === 'leader' && last.leader;
    });
  }

  /** The version `pid` installed last. */
  version(pid: number): number | undefined {
    const last = this.events()
      .get(pid)
      ?.findLast((e) => e.type === 'change');
    return last?.type === 'change' ? last.version : undefined;
  }

  /** Versions `pid` installed, in order. */
  history(pid: number): number[] {
    return (this.events().get(pid) ?? []).flatMap((e) => (e.type === 'change' ? [e.version] : []));
  }

  /** Whether every live worker serves `version`. */
  allServe(version: number): boolean {
    return this.live().every((pid) => this.version(pid) === version);
  }

  /** Kills every worker (PM2: `pm2 kill`, its daemon included) and removes the directory. */
  async stop(): Promise<void> {
    if (this.launcher === 'pm2') {
      execFileSync(PM2, ['kill'], { env: this.pm2Env, stdio: 'ignore' });
    }
    for (const pid of this.ready().filter(alive)) {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    }
    if (this.primary && this.primary.exitCode === null && this.primary.signalCode === null) {
      const exited = new Promise((resolve) => this.primary!.once('exit', resolve));
      this.primary.kill('SIGKILL');
      await exited;
    }
    await waitFor(() => this.ready().every((pid) => !alive(pid)), 5_000, 'every worker gone');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
