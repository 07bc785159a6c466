import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSource } from '../fixtures/file.source.js';
import { timeUntil } from './wait-for.js';

const INSTANCE = fileURLToPath(new URL('../fixtures/instance.js', import.meta.url));

/** What an instance reported over IPC. */
export type InstanceEvent =
  | { type: 'booting'; at: number }
  | { type: 'ready'; port: number; at: number }
  | { type: 'change'; tag: string; version: number; at: number }
  | { type: 'leader'; leader: boolean; at: number }
  /** A snapshot this instance installed whose data fails the fixture's schema (checked by hand). */
  | { type: 'invalid'; tag: string; version: number; problem: string; at: number }
  /** The module refused DATA (an InvalidSyncResultError in `status()`); TASK_SCHEMA=1 only. */
  | { type: 'refused'; tag: string; leader: boolean; message: string; at: number }
  | { type: 'closed'; at: number };

/** One child process running test/fixtures/instance.js. */
export class Instance {
  readonly events: InstanceEvent[] = [];
  output = '';
  port = 0;
  leader = false;
  exited: Promise<number | null>;
  exitSignal: NodeJS.Signals | null = null;
  readonly versions = new Map<string, number>();

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('message', (event: InstanceEvent) => {
      this.events.push(event);
      if (event.type === 'ready') this.port = event.port;
      if (event.type === 'leader') this.leader = event.leader;
      if (event.type === 'change') this.versions.set(event.tag, event.version);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitSignal = signal;
        this.leader = false;
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Versions this instance installed for `tag`, in order. */
  history(tag: string): number[] {
    return this.events.flatMap((e) => (e.type === 'change' && e.tag === tag ? [e.version] : []));
  }

  /**
   * GET /state over HTTP: the versions it serves and, per tag, the version inside the data
   * readers get and why that data fails the fixture's schema (null: it passes).
   */
  async state(): Promise<{
    pid: number;
    leader: boolean;
    versions: Record<string, number | undefined>;
    data: Record<string, { version?: unknown; problem: string | null }>;
  }> {
    const response = await fetch(`http://127.0.0.1:${this.port}/state`);
    return (await response.json()) as never;
  }

  /** POST /refresh/:tag over HTTP: `SyncService.refresh(tag)` in this instance. */
  async refresh(tag: string): Promise<{ pid: number; leader: boolean; version: number | undefined }> {
    const response = await fetch(`http://127.0.0.1:${this.port}/refresh/${tag}`, { method: 'POST' });
    return (await response.json()) as never;
  }

  /** Asks the app to close cleanly (app.close()) and waits for the process to end. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ type: 'close' });
    await this.exited;
  }
}

/** A set of instances sharing one backend, plus the file source they read. */
export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'sync-mp-'));
  readonly source = new FileSource(this.dir);
  readonly instances: Instance[] = [];

  constructor(
    private readonly env: Record<string, string>,
    readonly tags: string[] = ['t'],
  ) {
    for (const tag of tags) this.source.setVersion(tag, 1);
  }

  /** Starts `count` instances and waits until each is ready. */
  async start(count: number): Promise<Instance[]> {
    const started = Array.from({ length: count }, () => {
      const child = fork(INSTANCE, [], {
        env: { ...process.env, NO_COLOR: '1', ...this.env, SOURCE_DIR: this.dir, TASKS: this.tags.join(',') },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const instance = new Instance(child);
      this.instances.push(instance);
      return instance;
    });
    await Promise.all(started.map((i) => timeUntil(() => i.port > 0, 20_000, `instance ${i.pid} ready:\n${i.output}`)));
    return started;
  }

  live(): Instance[] {
    return this.instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
  }

  /** The one live leader; waits for it. */
  async leader(ms = 10_000): Promise<Instance> {
    await timeUntil(() => this.live().filter((i) => i.leader).length === 1, ms, 'exactly one leader');
    return this.live().find((i) => i.leader)!;
  }

  /** Kills what is left and removes the source directory. */
  async stop(): Promise<void> {
    for (const instance of this.live()) {
      instance.child.kill('SIGCONT');
      instance.child.kill('SIGKILL');
    }
    await Promise.all(this.instances.map((i) => i.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
