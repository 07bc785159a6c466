// Runs every compiled spec under build/ with Node's own test runner.
// `node --test DIR` would also run helpers, and Node 20 does not expand globs,
// so the files are listed here: *.spec.js (unit, next to the code) and
// *.e2e-spec.js (test/). Extra arguments are passed on (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filter = process.argv.slice(2).find((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = readdirSync('build', { recursive: true })
  .map(String)
  .filter((f) => /\.(e2e-)?spec\.js$/.test(f) && !f.startsWith(join('test', 'bench')))
  .filter((f) => !filter || f.includes(filter))
  .map((f) => join('build', f))
  .sort();
if (files.length === 0) {
  console.error(
    `No compiled spec files under build/${filter ? ` matching "${filter}"` : ''}: run "npm run build:all" first.`,
  );
  process.exit(1);
}
const { status, signal } = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', ...flags, ...files],
  { stdio: 'inherit' },
);
process.exit(status ?? (signal ? 1 : 0));
