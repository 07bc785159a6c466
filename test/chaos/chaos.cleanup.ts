/**
 * Last-resort cleanup of a chaos run: child processes, servers and temp
 * directories must go even when an assertion throws, the run is interrupted
 * (Ctrl-C, a test runner's SIGTERM) or the process exits early. Each resource
 * registers a synchronous undo here and unregisters it once it was disposed of
 * normally; whatever is still registered runs on 'exit'.
 */
const pending = new Map<number, () => void>();
let nextId = 0;
let installed = false;

function runAll(): void {
  for (const [id, undo] of [...pending].reverse()) {
    pending.delete(id);
    try {
      undo();
    } catch {
      // Best effort: one failed undo must not keep the others from running.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  // Without a handler these signals end the process without 'exit': convert them into one.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const)[signal]);
    });
  }
}

/**
 * Registers `undo` (synchronous: it may run inside an 'exit' handler) and
 * returns the function that unregisters it.
 */
export function onExit(undo: () => void): () => void {
  install();
  const id = nextId++;
  pending.set(id, undo);
  return () => void pending.delete(id);
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: already exited.
  }
}
