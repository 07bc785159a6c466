import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { redactUrl } from '../../lib/backends/shared/redaction.util.js';
import { findPostgresBin } from './postgres.server.js';

/** Where the backend suites find their servers; override with these env vars. */
export const REDIS_URL = process.env.SYNC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.SYNC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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
 * The one "can these suites run here" probe. When `available` is false it says loudly what
 * is missing and how to get it, and returns the skip reason (usable as node:test's `skip`);
 * in CI (`CI=true`) a missing server or binary is a failure, not a skip: it throws.
 *
 * @returns `false` when the suites can run, else why not.
 */
export async function skipUnless(
  available: boolean | Promise<boolean>,
  missing: string,
  howTo: string,
): Promise<false | string> {
  if (await available) return false;
  const message = `${missing}. ${howTo}`;
  if (process.env.CI === 'true') throw new Error(`${message}. In CI this is a failure, not a skip.`);
  process.stderr.write(`\n!!! SKIPPING: ${message}\n\n`);
  return missing;
}

/** `false` when the shared Redis answers, else a skip reason (throws in CI). */
export const redisSkip = () =>
  skipUnless(
    answers(REDIS_URL, 6379),
    `Redis is not reachable at ${redactUrl(REDIS_URL)}`,
    'Start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no ' +
      '(or set SYNC_TEST_REDIS_URL)',
  );

/** `false` when the shared PostgreSQL answers, else a skip reason (throws in CI). */
export const postgresSkip = () =>
  skipUnless(
    answers(POSTGRES_URL, 5432),
    `PostgreSQL is not reachable at ${redactUrl(POSTGRES_URL)}`,
    'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, with a database ' +
      '"test" (or set SYNC_TEST_POSTGRES_URL)',
  );

/** `false` when a test can start its own redis-server (test/support/redis.server.ts), else a skip reason. */
export const redisServerSkip = () =>
  skipUnless(
    spawnSync('redis-server', ['--version']).status === 0,
    'redis-server is not on the PATH: the suites that start their own Redis need it',
    'Install it: apt-get install redis-server',
  );

/** `false` when a test can start its own PostgreSQL (test/support/postgres.server.ts), else a skip reason. */
export const postgresServerSkip = () =>
  skipUnless(
    findPostgresBin() !== undefined,
    'no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin: the suites that start ' +
      'their own PostgreSQL need them',
    'Install them: apt-get install postgresql',
  );
