import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packOnce, repoRoot, run } from './pack.helper.js';

const fixtures = join(repoRoot, 'test/packaging/fixtures');
const SUBPATHS = ['', '/redis', '/postgres', '/sqlite', '/backend', '/testing', '/prometheus', '/status'];

/** The published tarball, installed into a fresh Nest 12 app as a user would install it. */
describe('packaging: npm pack, install into a fresh app, load both builds', { timeout: 400_000 }, () => {
  let dir: string;

  before(() => {
    const packed = packOnce();
    console.log(`# npm pack: ${packed.files.length} files, ${packed.size} B packed, ${packed.unpackedSize} B unpacked`);
    for (const build of ['esm', 'cjs'])
      for (const file of ['index.js', 'index.d.ts', 'backends/redis/index.js', 'backend/index.d.ts'])
        assert.ok(packed.files.includes(`dist/${build}/${file}`), `dist/${build}/${file} is packed`);
    assert.ok(packed.files.includes('dist/cjs/package.json'), 'dist/cjs/package.json marks the CommonJS build');
    assert.ok(packed.files.includes('LICENSE'), 'the LICENSE is packed');
    assert.ok(!packed.files.some((f) => /\.spec\./.test(f)), 'no specs in the package');
    assert.ok(!packed.files.some((f) => f.startsWith('lib/') || f.startsWith('test/')), 'no sources or tests');

    dir = mkdtempSync(join(tmpdir(), 'nestjs-version-sync-app-'));
    cpSync(fixtures, dir, { recursive: true });
    const deps = {
      'nestjs-version-sync': `file:${packed.tarball}`,
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      'reflect-metadata': '^0.2.0',
      rxjs: '^7.8.0',
      typescript: '~6.0.3',
      '@types/node': '^20.0.0',
    };
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'fresh-app', private: true, type: 'module', dependencies: deps }),
    );
    // Peer dependencies (@nestjs/schedule, @nestjs/terminus) are installed by npm itself.
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks and boots an ESM TypeScript app that imports the package root', () => {
    run(join(dir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], dir);
    const out = run(process.execPath, ['dist/main.js'], dir);
    assert.match(out, /flags version 1: \{"beta":true\}/);
  });

  it('gives import() the ESM build and require() the CommonJS build, for the root and every subpath', () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      for (const sub of ${JSON.stringify(SUBPATHS)})
        console.log(JSON.stringify([require.resolve('nestjs-version-sync' + sub), import.meta.resolve('nestjs-version-sync' + sub)]));`;
    const lines = run(process.execPath, ['--input-type=module', '-e', script], dir).trim().split('\n');
    assert.equal(lines.length, SUBPATHS.length);
    for (const line of lines) {
      const [required, imported] = JSON.parse(line) as [string, string];
      assert.match(required, /\/node_modules\/nestjs-version-sync\/dist\/cjs\//, line);
      assert.match(imported, /\/node_modules\/nestjs-version-sync\/dist\/esm\//, line);
    }
    const t = run(
      process.execPath,
      ['-e', "console.log(Object.keys(require('nestjs-version-sync/testing')).sort())"],
      dir,
    );
    assert.match(t, /describeSyncLockContract.*describeSyncStoreContract/s);
    assert.ok(
      !readdirSync(join(dir, 'node_modules')).includes('ioredis'),
      'ioredis is an optional peer: not installed',
    );
  });

  it('boots a CommonJS script from the CommonJS build (no require(esm) of the package)', () => {
    const out = run(process.execPath, ['app.cjs'], dir);
    assert.match(out, /cjs flags version 7/);
  });

  it('resolves types for the root and every subpath under moduleResolution node10, node16 (CJS and ESM) and bundler', () => {
    const imports = `import { SyncModule, type SyncContext } from 'nestjs-version-sync';
import { RedisSyncStore } from 'nestjs-version-sync/redis';
import { PostgresSyncStore } from 'nestjs-version-sync/postgres';
import type { SyncStore } from 'nestjs-version-sync/backend';
import { describeSyncStoreContract } from 'nestjs-version-sync/testing';
export const used: unknown[] = [SyncModule, RedisSyncStore, PostgresSyncStore, describeSyncStoreContract];
export type Used = [SyncContext, SyncStore];
`;
    const cases = [
      {
        name: 'node10',
        file: 'index.ts',
        flags: ['--module', 'commonjs', '--moduleResolution', 'node10'],
        build: 'cjs',
      },
      { name: 'node16-cjs', file: 'index.cts', flags: ['--module', 'node16'], build: 'cjs' },
      { name: 'node16-esm', file: 'index.mts', flags: ['--module', 'node16'], build: 'esm' },
      {
        name: 'bundler',
        file: 'index.ts',
        flags: ['--module', 'esnext', '--moduleResolution', 'bundler'],
        build: 'esm',
      },
    ];
    for (const c of cases) {
      const caseDir = join(dir, 'types', c.name);
      mkdirSync(caseDir, { recursive: true });
      writeFileSync(join(caseDir, c.file), imports);
      const args = [
        ...c.flags,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--ignoreDeprecations',
        '6.0',
        '--ignoreConfig',
      ];
      const listed = run(join(dir, 'node_modules/.bin/tsc'), [...args, '--listFiles', join(caseDir, c.file)], dir);
      for (const sub of [
        'index.d.ts',
        'backends/redis/index.d.ts',
        'backends/postgres/index.d.ts',
        'backend/index.d.ts',
      ])
        assert.ok(
          listed.includes(`nestjs-version-sync/dist/${c.build}/${sub}`),
          `${c.name}: resolves dist/${c.build}/${sub}`,
        );
    }
  });

  it('names the missing optional peer and its install command, in both builds, when a backend connects', () => {
    // Each backend builds its own client from a url, connection string or path: the app has no ioredis, pg nor
    // better-sqlite3, so importing the subpath must work and connect() must say what to install.
    const cases = [
      ['/redis', 'RedisSyncStore', { url: 'redis://127.0.0.1:6379' }, 'ioredis'],
      ['/redis', 'RedisSyncLock', { url: 'redis://127.0.0.1:6379' }, 'ioredis'],
      ['/postgres', 'PostgresSyncStore', { connectionString: 'postgres://127.0.0.1:5432/test' }, 'pg'],
      ['/postgres', 'PostgresSyncLock', { connectionString: 'postgres://127.0.0.1:5432/test' }, 'pg'],
      ['/sqlite', 'SqliteSyncStore', { path: 'missing-peer.db' }, 'better-sqlite3'],
      ['/sqlite', 'SqliteSyncLock', { path: 'missing-peer.db' }, 'better-sqlite3'],
    ] as const;
    const body = `
      const { SyncError, SyncConnectionError } = await load('nestjs-version-sync');
      const { SyncPeerMissingError } = await load('nestjs-version-sync/backend');
      for (const [sub, name, options] of ${JSON.stringify(cases)}) {
        const backend = new (await load('nestjs-version-sync' + sub))[name](options);
        const error = await backend.connect().then(() => undefined, (e) => e);
        await backend.close();
        console.log(JSON.stringify({
          name,
          class: error?.constructor.name,
          message: error?.message,
          packageName: error?.packageName,
          isSyncError: error instanceof SyncError,
          isPeerMissing: error instanceof SyncPeerMissingError,
          isConnectionError: error instanceof SyncConnectionError,
        }));
      }`;
    writeFileSync(join(dir, 'missing-peer.mjs'), `const load = (s) => import(s);\n${body}`);
    writeFileSync(join(dir, 'missing-peer.cjs'), `const load = async (s) => require(s);\n(async () => {${body}})();`);
    const peers = (
      JSON.parse(readFileSync(join(dir, 'node_modules/nestjs-version-sync/package.json'), 'utf8')) as {
        peerDependencies: Record<string, string>;
      }
    ).peerDependencies;
    for (const script of ['missing-peer.mjs', 'missing-peer.cjs']) {
      const lines = run(process.execPath, [script], dir).trim().split('\n');
      assert.equal(lines.length, cases.length, script);
      for (const [i, line] of lines.entries()) {
        const [, owner, , pkg] = cases[i];
        const got = JSON.parse(line) as Record<string, unknown>;
        console.log(`# ${script}: ${got.class}: ${got.message}`);
        assert.equal(got.name, owner);
        assert.equal(got.class, 'SyncPeerMissingError', line);
        assert.deepEqual([got.isSyncError, got.isPeerMissing, got.isConnectionError], [true, true, false], line);
        assert.equal(got.packageName, pkg, line);
        const range = /\^\d+/.exec(peers[pkg])![0];
        assert.ok(String(got.message).startsWith(`${owner} needs the package "${pkg}"`), line);
        assert.ok(String(got.message).includes(`npm install ${pkg}@${range}`), line);
      }
    }
    for (const pkg of ['ioredis', 'pg', 'better-sqlite3'])
      assert.ok(!readdirSync(join(dir, 'node_modules')).includes(pkg), `${pkg} is not installed in the app`);
  });

  it('shows the dual-package hazard: one process that imports and requires it gets two copies', () => {
    const result = JSON.parse(run(process.execPath, ['hazard.mjs'], dir)) as Record<string, unknown>;
    console.log(`# ${JSON.stringify(result)}`);
    assert.equal(result.sameSyncModule, false, 'two SyncModule classes');
    assert.equal(result.sameSyncService, false, 'two SyncService injection tokens');
    assert.equal(result.cjsErrorIsEsmSyncError, false, 'instanceof SyncError fails across copies');
    assert.equal(result.esmErrorIsEsmSyncError, true);
    assert.match(String(result.mixedInjection), /Nest can't resolve dependencies of the Reader \(\?\)/);
    // The task metadata key is a string, so a method decorated by one copy is found by the other.
    assert.deepEqual(result.crossBuildTaskData, { from: 'cjs decorator' });
  });
});
