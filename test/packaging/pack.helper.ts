import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from build/test/packaging/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** What `npm pack --json` says about the tarball. */
export interface PackResult {
  /** Absolute path of the tarball. */
  tarball: string;
  /** Paths inside the package. */
  files: string[];
  /** Bytes of the tarball and of its unpacked content. */
  size: number;
  unpackedSize: number;
}

/** Runs a command and returns its stdout; stderr is kept in the error when it fails. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  const files = readdirSync(join(repoRoot, 'lib'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .sort();
  for (const f of files) hash.update(f).update(readFileSync(join(repoRoot, 'lib', f)));
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.cjs.json', 'README.md', 'LICENSE'])
    hash.update(f).update(readFileSync(join(repoRoot, f)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * `npm pack` of the repository (its `prepack` builds both dist/esm and dist/cjs, about a
 * minute), cached in the OS temp folder under a hash of the sources, package.json,
 * tsconfigs, README and LICENSE: the spec files that need the tarball share one build.
 */
export function packOnce(): PackResult {
  const dir = join(tmpdir(), `nestjs-version-sync-pack-${sourcesHash()}`);
  const meta = join(dir, 'pack.json');
  if (!existsSync(meta)) {
    const partial = `${dir}.${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const json = run('npm', ['pack', '--json', '--pack-destination', partial], repoRoot);
    writeFileSync(join(partial, 'pack.json'), json);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  const [packed] = JSON.parse(readFileSync(meta, 'utf8')) as {
    filename: string;
    files: { path: string }[];
    size: number;
    unpackedSize: number;
  }[];
  return {
    tarball: join(dir, packed.filename),
    files: packed.files.map((f) => f.path),
    size: packed.size,
    unpackedSize: packed.unpackedSize,
  };
}
