// Starts the sample app as 4 node:cluster workers on one port (PORT, default 3000) sharing one SQLite
// file in a temp directory: no server to run. `curl 127.0.0.1:3000/sync` answers from some worker and
// shows its pid and whether it leads; kill -9 the leader's pid and another takes over. A worker that
// dies is restarted (as PM2 would). Ctrl-C stops them all and removes the directory.
import cluster from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WORKERS = 4;
const dir = mkdtempSync(join(tmpdir(), 'sync-sample-workers-'));
const port = process.env.PORT ?? '3000';
const env = { SYNC_SQLITE_PATH: join(dir, 'sync.db'), PORT: port };
let stopping = false;

cluster.setupPrimary({ exec: 'build/sample/main.js' });
const start = () => {
  const worker = cluster.fork(env);
  process.stdout.write(`[primary] worker ${worker.id} started (pid ${worker.process.pid})\n`);
};
for (let i = 0; i < WORKERS; i++) start();
cluster.on('exit', (worker, code, signal) => {
  process.stdout.write(`[primary] worker ${worker.id} (pid ${worker.process.pid}) exited (${signal ?? code})\n`);
  if (!stopping) start();
  else if (Object.keys(cluster.workers ?? {}).length === 0) {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
});
process.stdout.write(
  `${WORKERS} workers on http://127.0.0.1:${port} sharing ${env.SYNC_SQLITE_PATH}.\n` +
    `Ask any worker who leads: curl -s 127.0.0.1:${port}/sync (repeat: requests go round the workers).\n` +
    'Kill the leader (kill -9 <its pid>): another one logs "Leading sync namespace" once its lease ran out ' +
    '(the lease TTL, 15 s by default); a graceful stop (kill <pid>) hands over within one interval.\n',
);
const stop = () => {
  stopping = true;
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
