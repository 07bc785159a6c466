import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../support/free-port.js';
import { REDIS_URL, redisSkip } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import { packOnce, repoRoot } from './pack.helper.js';
import { blocksFor, forCommonJsApp, readmeBlocks, unmarkedTypeScriptBlocks } from './readme-blocks.js';

/**
 * The README, followed literally in the two apps `nest new` generates (test/consumers/):
 * its install lines with the packed tarball, its Quick start files, `nest build`, a boot
 * with HTTP requests, each app's own Jest / Vitest suites unchanged (with the README's specs), then the Redis
 * `forRootAsync` module with its settings in `.env`, booted with the later sections' versions of Quick start files
 * (typed handles with zod, health probes) and compiled with their other snippets.
 */
const APPS = [
  { name: 'nest11', commonJs: true, majors: { '@nestjs/schedule': 6, '@nestjs/terminus': 11, '@nestjs/config': 4 } },
  { name: 'nest12', commonJs: false, majors: { '@nestjs/schedule': 12, '@nestjs/terminus': 12, '@nestjs/config': 12 } },
];
const FLAGS = { darkMode: false, beta: ['alice'] };
const blocks = readmeBlocks();
const started = Date.now();

/** A child environment without what the outer test runner sets for its own children. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) if (key === 'NODE_TEST_CONTEXT' || key === 'NODE_OPTIONS') delete env[key];
  return env;
}

/** Runs a command in the app; returns stdout + stderr; fails with both when it fails. */
function sh(cwd: string, cmd: string, args: string[], env = childEnv()): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  assert.equal(
    r.status,
    0,
    `${cmd} ${args.join(' ')} failed in ${cwd} (${r.status ?? r.signal}):\n${out.slice(-4000)}`,
  );
  return out;
}

/** The summary lines Jest ("Tests:", "Test Suites:") and Vitest ("Test Files", "Tests") print. */
const summary = (out: string) =>
  out
    .replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
    .split('\n')
    .filter((l) => /^\s*(Test Suites:|Tests:|Test Files|Tests\s)/.test(l))
    .map((l) => l.trim())
    .join(' | ');

const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/**
 * `npm ci` from the app's committed lockfile. The Nest 12 CLI's lockfile fails npm ci's sync
 * check: vite 8.4.0 lists an optional dependency (napi-windows-process-start-time) that the
 * registry does not serve, so the lock has no entry for it ("Missing: … from lock file").
 * For that case only, `npm install` from the same lockfile, said out loud.
 */
async function installFromLock(cwd: string, name: string): Promise<void> {
  const ci = await shAsync(cwd, 'npm', ['ci', ...NPM_FLAGS]);
  if (ci.status === 0) return;
  const missing = /Missing: (\S+) from lock file/.exec(ci.out);
  assert.ok(missing, `npm ci failed in ${cwd}:\n${ci.out.slice(0, 4000)}`);
  process.stderr.write(`# ${name}: npm ci refused the CLI's lockfile (${missing[0]}); npm install from it instead\n`);
  const retry = await shAsync(cwd, 'npm', ['install', ...NPM_FLAGS]);
  assert.equal(retry.status, 0, `npm install failed in ${cwd}:\n${retry.out.slice(0, 4000)}`);
}

/** Like `sh` without blocking: the two apps install at the same time, and while the tarball is built. */
function shAsync(cwd: string, cmd: string, args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: childEnv(), timeout: 300_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', (error) => resolve({ status: null, out: `${out}${String(error)}` }));
    child.once('close', (status) => resolve({ status, out }));
  });
}

/** A temporary copy of an app (never its node_modules or dist) with its locked dependencies installed. */
interface PreparedApp {
  dir: string;
  /** Why `npm ci` failed, outside CI (in CI the failure fails the suite). */
  installError?: string;
}

function prepare(name: string): Promise<PreparedApp> {
  const dir = mkdtempSync(join(tmpdir(), `nestjs-version-sync-${name}-`));
  cpSync(join(repoRoot, 'test/consumers', name), dir, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist)$/.test(src),
  });
  return installFromLock(dir, name).then(
    () => ({ dir }),
    (error: unknown) => {
      if (process.env.CI === 'true') throw error;
      const installError = String(error).slice(0, 2000);
      process.stderr.write(`\n!!! SKIPPING ${name}: npm install failed (no registry?):\n${installError}\n\n`);
      return { dir, installError };
    },
  );
}

/** Runs a README install line, the package name swapped for the packed tarball. */
function install(cwd: string, line: string, tarball: string): void {
  const args = line.trim().split(/\s+/);
  assert.deepEqual(args.slice(0, 2), ['npm', 'install'], `an install block is one npm install line: ${line}`);
  const packages = args.slice(2).map((a) => (a === 'nestjs-version-sync' ? tarball : a));
  sh(cwd, 'npm', ['install', ...packages, ...NPM_FLAGS]);
}

/** Writes the README's files of one stage into the app. */
function writeBlocks(cwd: string, stage: string, app: (typeof APPS)[number]): string[] {
  const files = blocksFor(blocks, stage, app.name).filter((b) => b.lang === 'ts');
  for (const b of files) {
    assert.ok(b.path, `a TypeScript block of stage ${stage} names its file`);
    mkdirSync(dirname(join(cwd, b.path)), { recursive: true });
    writeFileSync(join(cwd, b.path), `${app.commonJs ? forCommonJsApp(b.code) : b.code}\n`);
  }
  return files.map((b) => b.path!);
}

/**
 * Boots `node dist/main.js`, returns the answers of /flags and /health and what `whileUp`
 * found while it ran, then SIGTERMs it and times the exit.
 */
async function bootAndAsk(cwd: string, env: NodeJS.ProcessEnv, whileUp: () => Promise<unknown> = async () => null) {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], { cwd, env: childEnv({ ...env, PORT: String(port) }) });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (code, signal) => resolve([code, signal])),
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    const flags = await waitFor(
      () => fetch(`${base}/flags`).catch(() => undefined),
      30_000,
      `GET /flags on the app (log so far: ${log.slice(-500)})`,
    );
    const flagsBody = await flags.text();
    const health = await fetch(`${base}/health`);
    const healthBody = await health.text();
    const up = await whileUp();
    const sigterm = Date.now();
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    const exitMs = Date.now() - sigterm;
    return { flags: flags.status, flagsBody, health: health.status, healthBody, up, exitMs, code, signal, log };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('consumer apps: the README followed in a Nest 11 and a Nest 12 app', { timeout: 900_000 }, () => {
  const prepared = new Map<string, Promise<PreparedApp>>();
  before(() => {
    for (const app of APPS) {
      const promise = prepare(app.name);
      promise.catch(() => undefined); // awaited (and failed on) by the app's own before()
      prepared.set(app.name, promise);
    }
    packOnce(); // builds the tarball (about a minute on a cold cache) while npm installs
  });

  it('marks every TypeScript block of the README for the consumer apps', () => {
    assert.deepEqual(unmarkedTypeScriptBlocks(), [], 'TypeScript blocks a user could copy without a consumer marker');
    for (const stage of ['install', 'quick-start', 'redis-install', 'redis', 'rewrite', 'compile'])
      for (const app of APPS)
        assert.ok(blocksFor(blocks, stage, app.name).length > 0, `${stage} blocks for ${app.name}`);
  });

  for (const app of APPS) {
    describe(app.name, () => {
      let dir: string;
      let tarball: string;
      let installError: string | undefined;

      before(async () => {
        tarball = packOnce().tarball;
        ({ dir, installError } = await prepared.get(app.name)!);
      });
      after(() => {
        if (dir) rmSync(dir, { recursive: true, force: true });
      });

      it('installs with the README line for its Nest version, every peer saved at its major', (t) => {
        if (installError) return t.skip('npm ci failed');
        for (const b of blocksFor(blocks, 'install', app.name)) install(dir, b.code, tarball);
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: object };
        for (const [name, major] of Object.entries(app.majors).slice(0, 2)) {
          assert.ok(name in pkg.dependencies, `${name} saved in package.json`);
          const installed = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8'));
          assert.equal(Number(installed.version.split('.')[0]), major, `${name} ${installed.version}`);
        }
      });

      it('compiles the Quick start with nest build, boots, answers /flags and /health, stops fast on SIGTERM', async (t) => {
        if (installError) return t.skip('npm ci failed');
        const files = writeBlocks(dir, 'quick-start', app);
        sh(dir, 'npm', ['run', 'build']);
        const r = await bootAndAsk(dir, {});
        t.diagnostic(`${app.name} quick start: wrote ${files.join(', ')}; nest build ok`);
        t.diagnostic(`${app.name} GET /flags -> ${r.flags} ${r.flagsBody}`);
        t.diagnostic(`${app.name} GET /health -> ${r.health} ${r.healthBody}`);
        t.diagnostic(`${app.name} SIGTERM -> exited (${r.code ?? r.signal}) after ${r.exitMs} ms`);
        assert.equal(r.flags, 200);
        assert.deepEqual(JSON.parse(r.flagsBody), FLAGS, 'the first request already finds the data (whenReady)');
        assert.equal(r.health, 200, r.healthBody);
        assert.equal(JSON.parse(r.healthBody).status, 'ok');
        assert.ok(r.exitMs < 5_000, `SIGTERM ran app.close() and the process exited (${r.exitMs} ms)\n${r.log}`);
      });

      it("passes its own unit tests (and the README's spec) with no config change", (t) => {
        if (installError) return t.skip('npm ci failed');
        const out = sh(dir, 'npm', ['test']);
        t.diagnostic(`${app.name} npm test: ${summary(out)}`);
        assert.match(out, /flags\.source\.spec\.ts/, "the README's spec ran");
        assert.match(out, /memory\.contract\.spec\.ts/, "the README's conformance suites ran on the app's runner");
        assert.match(out, /app\.controller\.spec\.ts/, 'the generated spec ran');
      });

      it('passes its own e2e tests, which boot the AppModule of the Quick start', (t) => {
        if (installError) return t.skip('npm ci failed');
        const out = sh(dir, 'npm', ['run', 'test:e2e']);
        t.diagnostic(`${app.name} npm run test:e2e: ${summary(out)}`);
        assert.match(out, /app\.e2e-spec\.ts/);
      });

      it('runs the forRootAsync + ConfigService + Redis module with REDIS_URL only in .env', async (t) => {
        if (installError) return t.skip('npm ci failed');
        const skip = await redisSkip();
        if (skip) return t.skip(skip);
        for (const b of blocksFor(blocks, 'redis-install', app.name)) install(dir, b.code, tarball);
        // `rewrite` blocks replace Quick start files (typed handles, health probes) and are booted with this stage;
        // `compile` blocks (snippets with nothing to ask over HTTP) are compiled with its build.
        const files = [
          ...writeBlocks(dir, 'redis', app),
          ...writeBlocks(dir, 'rewrite', app),
          ...writeBlocks(dir, 'compile', app),
        ];
        const keyPrefix = `consumer-${app.name}-${process.pid}`;
        writeFileSync(join(dir, '.env'), `REDIS_URL=${REDIS_URL}\nSYNC_KEY_PREFIX=${keyPrefix}\n`);
        sh(dir, 'npm', ['run', 'build']);
        const redis = new Redis(REDIS_URL);
        try {
          const lease = `${keyPrefix}:{${keyPrefix}:default}:lease`;
          // REDIS_URL only in .env: ConfigService has it when the factory runs, process.env does not.
          const r = await bootAndAsk(dir, { REDIS_URL: undefined }, () => redis.get(lease));
          const leaseAfterExit = await redis.get(lease);
          t.diagnostic(`${app.name} redis: wrote ${files.join(', ')}; nest build ok`);
          t.diagnostic(`${app.name} redis GET /flags -> ${r.flags} ${r.flagsBody}; GET /health -> ${r.health}`);
          t.diagnostic(`${app.name} redis SIGTERM -> exited (${r.code ?? r.signal}) after ${r.exitMs} ms`);
          assert.deepEqual(JSON.parse(r.flagsBody), FLAGS);
          assert.equal(r.health, 200, r.healthBody);
          const keys = await redis.keys(`${keyPrefix}:*`);
          assert.ok(keys.length > 0, `the app wrote its snapshot and lease under ${keyPrefix}: in Redis`);
          t.diagnostic(`${app.name} redis lease while up: ${String(r.up)}; after SIGTERM: ${String(leaseAfterExit)}`);
          assert.ok(r.up, 'the app held the lease in Redis');
          // Released by app.close(), which only enableShutdownHooks() runs on SIGTERM: the next leader need not wait.
          assert.equal(leaseAfterExit, null, 'SIGTERM released the lease (enableShutdownHooks)');
          assert.ok(r.exitMs < 5_000, `SIGTERM closed the Redis app (${r.exitMs} ms)\n${r.log}`);
        } finally {
          const keys = await redis.keys(`${keyPrefix}:*`);
          if (keys.length > 0) await redis.del(...keys);
          redis.disconnect();
        }
      });
    });
  }

  after(() => console.log(`# consumer apps: ${((Date.now() - started) / 1000).toFixed(0)} s in all`));
});
