/**
 * A child process running one of the bench fixtures (test/bench/fixtures/*.js),
 * talking over IPC. Messages are kept in order and can be awaited by
 * predicate, so a benchmark never polls faster than the events arrive and
 * every timestamp it uses was taken inside the process that saw the event.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Any IPC message of a fixture: a `type` and its fields. */
export interface ChildMessage {
  type: string;
  [field: string]: unknown;
}

/** Path of a compiled fixture next to this file. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
}

export class Child {
  readonly messages: ChildMessage[] = [];
  output = '';
  readonly exited: Promise<number | null>;
  private readonly waiters = new Set<() => void>();
  private readonly child: ChildProcess;

  constructor(script: string, env: Record<string, string>, execArgv: string[] = []) {
    this.child = fork(script, [], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Keep the tail only: a failing child's last lines are what the error message needs.
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8_000));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('message', (message: ChildMessage) => {
      this.messages.push(message);
      for (const wake of [...this.waiters]) wake();
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        for (const wake of [...this.waiters]) wake();
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  send(message: ChildMessage): void {
    if (this.alive && this.child.connected) this.child.send(message);
  }

  /** The first message (already received or coming) that `accept` takes; rejects after `ms` or on exit. */
  waitFor(accept: (message: ChildMessage) => boolean, ms: number, what: string): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what} from child ${this.pid}:\n${this.output}`));
      }, ms);
      const check = () => {
        const found = this.messages.find(accept);
        if (!found && this.alive) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        if (found) resolve(found);
        else reject(new Error(`child ${this.pid} exited while waiting for ${what}:\n${this.output}`));
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Sends `request` and waits for the reply of type `reply` that comes after it. */
  async ask(request: ChildMessage, reply: string, ms = 10_000): Promise<ChildMessage> {
    const from = this.messages.length;
    this.send(request);
    return this.waitFor((m) => m.type === reply && this.messages.indexOf(m) >= from, ms, reply);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Asks the fixture to close cleanly; kills it if it does not exit within `ms`. */
  async stop(ms = 10_000): Promise<void> {
    if (!this.alive) return;
    this.send({ type: 'close' });
    const timer = setTimeout(() => this.kill(), ms);
    await this.exited;
    clearTimeout(timer);
  }
}
