// Starts three instances of the sample app on ports 3001-3003 sharing one Redis
// (SYNC_REDIS_URL, default redis://127.0.0.1:6379), or PostgreSQL when
// SYNC_POSTGRES_URL is set, so you can watch one lead, kill it, and see another
// take over. Ctrl-C stops them all.
import { spawn } from 'node:child_process';

const backend = process.env.SYNC_POSTGRES_URL
  ? { SYNC_POSTGRES_URL: process.env.SYNC_POSTGRES_URL }
  : { SYNC_REDIS_URL: process.env.SYNC_REDIS_URL ?? 'redis://127.0.0.1:6379' };
const children = [3001, 3002, 3003].map((port) => {
  const child = spawn(process.execPath, ['build/sample/main.js'], {
    env: { ...process.env, ...backend, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${port} pid ${child.pid}] `;
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, prefix)));
  }
  child.on('exit', (code, signal) => process.stdout.write(`${prefix}exited (${signal ?? code})\n`));
  return child;
});
process.stdout.write(
  `Three instances on ${Object.values(backend)[0].replace(/\/\/[^@/]*@/, '//***@')}.\n` +
    'Find the leader: curl -s 127.0.0.1:3001/sync (and 3002, 3003) shows "leader": true.\n' +
    'Kill it (kill -9 <pid> from the log prefix) and watch another one log "Leading sync namespace".\n',
);
const stop = () => children.forEach((c) => c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
