import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * A temporary directory for one spec file, removed after it (a `describe`'s or the file's `after`).
 * `file(name)` is a database path inside it.
 */
export function useTempDir(prefix = 'vsync-sqlite-'): { dir: string; file(name?: string): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  return { dir, file: (name = `db-${++count}.sqlite`) => join(dir, name) };
}
