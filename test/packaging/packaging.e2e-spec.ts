import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../test/packaging/fixtures/', import.meta.url));
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

/** The published tarball, installed into a fresh Nest 12 app as a user would install it. */
describe(
  'packaging: npm pack, install into a fresh app, boot it (ESM TypeScript and CommonJS)',
  { timeout: 300_000 },
  () => {
    let dir: string;

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'nestjs-version-sync-pack-'));
      const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], root)) as {
        filename: string;
        files: { path: string }[];
      }[];
      const files = packed[0].files.map((f) => f.path);
      assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts'), 'built entry points are packed');
      assert.ok(!files.some((f) => /\.spec\./.test(f)), 'no specs in the package');
      assert.ok(
        !files.some((f) => f.startsWith('lib/') || f.startsWith('test/')),
        'no sources or tests in the package',
      );
      cpSync(fixtures, dir, { recursive: true });
      const deps = {
        'nestjs-version-sync': `file:./${packed[0].filename}`,
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

    it('exposes ./testing and keeps ./redis and ./postgres loadable only on demand', () => {
      const out = run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const t = await import('nestjs-version-sync/testing'); console.log(Object.keys(t).sort().join(','))",
        ],
        dir,
      );
      assert.equal(out.trim(), 'describeSyncLockContract,describeSyncStoreContract');
      assert.ok(
        !readdirSync(join(dir, 'node_modules')).includes('ioredis'),
        'ioredis is an optional peer: not installed',
      );
    });

    it('boots from a CommonJS script through require(esm)', () => {
      const out = run(process.execPath, ['app.cjs'], dir);
      assert.match(out, /cjs flags version 7/);
    });
  },
);
