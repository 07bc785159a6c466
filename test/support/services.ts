import { connect } from 'node:net';

/** Where the backend suites find their servers; override with these env vars. */
export const REDIS_URL = process.env.SYNC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.SYNC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const HOW_TO_START: Record<string, string> = {
  Redis:
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no ' +
    '(or set SYNC_TEST_REDIS_URL)',
  PostgreSQL:
    'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, with a database "test" ' +
    '(or set SYNC_TEST_POSTGRES_URL)',
};

function answers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort) });
    socket.setTimeout(1_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Whether a backend server answers. On a laptop without it, says loudly which
 * server is missing and how to start it, and the caller skips its suite; in CI
 * (`CI=true`) a missing server is a failure, not a skip.
 *
 * @returns `false` (skip) or a skip reason string usable as node:test's `skip`.
 */
async function probe(server: 'Redis' | 'PostgreSQL', url: string, port: number): Promise<false | string> {
  if (await answers(url, port)) return false;
  const safe = url.replace(/\/\/[^@/]*@/, '//***@');
  const message = `${server} is not reachable at ${safe}. Start it with: ${HOW_TO_START[server]}`;
  if (process.env.CI === 'true') throw new Error(`${message}. In CI an unreachable server is a failure.`);
  process.stderr.write(`\n!!! SKIPPING ${server} SUITES: ${message}\n\n`);
  return `${server} not reachable at ${safe}`;
}

/** `false` when Redis answers, else a skip reason (throws in CI). */
export const redisSkip = () => probe('Redis', REDIS_URL, 6379);
/** `false` when PostgreSQL answers, else a skip reason (throws in CI). */
export const postgresSkip = () => probe('PostgreSQL', POSTGRES_URL, 5432);
