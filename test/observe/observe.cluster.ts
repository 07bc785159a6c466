import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyncFleetInstance } from '../../lib/index.js';
import { FileSource } from '../fixtures/file.source.js';
import { Instance } from '../support/cluster.js';
import { waitFor } from '../support/wait-for.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/observe.instance.js', import.meta.url));

/** A fleet entry as it comes over HTTP (dates as strings). */
export type FleetJson = (Omit<SyncFleetInstance, 'startedAt' | 'seenAt'> & { startedAt: string; seenAt: string })[];

/** Real processes running test/observe/fixtures/observe.instance.js on one backend, and their file source. */
export class ObserveCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'sync-observe-'));
  readonly source = new FileSource(this.dir);
  readonly instances: Instance[] = [];
  readonly name = `observe-${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly env: Record<string, string>,
    readonly tags: string[] = ['t'],
  ) {
    for (const tag of tags) this.source.setVersion(tag, 1);
  }

  /** Starts `count` instances, one after the other (the first leads), and waits until each is ready. */
  async start(count: number): Promise<Instance[]> {
    const started: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const child = fork(FIXTURE, [], {
        env: {
          ...process.env,
          NO_COLOR: '1',
          SYNC_NAME: this.name,
          ...this.env,
          SOURCE_DIR: this.dir,
          TASKS: this.tags.join(','),
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const instance = new Instance(child);
      this.instances.push(instance);
      started.push(instance);
      await waitFor(() => instance.port > 0 || instance.child.exitCode !== null, 20_000, `instance ${child.pid} ready`);
      if (instance.port === 0) throw new Error(`instance ${child.pid} exited:\n${instance.output}`);
    }
    return started;
  }

  live(): Instance[] {
    return this.instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);
  }

  /** GET `path` of `instance` as JSON. */
  async get<T>(instance: Instance, path: string): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${instance.port}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  fleet(instance: Instance): Promise<FleetJson> {
    return this.get<FleetJson>(instance, '/fleet');
  }

  /** Kills what is left (SIGCONT first, for a stopped one) and removes the source directory. */
  async stop(): Promise<void> {
    for (const instance of this.live()) {
      instance.child.kill('SIGCONT');
      instance.child.kill('SIGKILL');
    }
    await Promise.all(this.instances.map((i) => i.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
