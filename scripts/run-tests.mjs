// Runs compiled specs with Node's own test runner, one file at a time.
//
//   node scripts/run-tests.mjs [category | path filter]... [--node-test-flag]...
//
// No argument runs every spec (npm test). A category picks a layer of the pyramid (below); any
// other argument keeps the specs whose path contains it (a folder such as test/e2e/, or a file
// name); several arguments add up. `--list` prints the selected specs instead of running them;
// other flags starting with "-" go to `node --test`.
//
// Specs are found from their sources (lib/**/*.spec.ts, test/**/*.spec.ts, test/**/*.e2e-spec.ts),
// not from build/, so a spec that was moved or deleted never runs from a stale compiled copy.
// Node 20's `--test` does not expand globs and `node --test DIR` would also run helpers.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, sep } from 'node:path';

/** The layers of the test pyramid, by where a spec lives or what its name says. */
const CATEGORIES = {
  // Pure specs next to the code: no Nest app, no network, fake or injected clocks.
  unit: (file) => file.startsWith('lib/'),
  // In-process Nest apps (test/app/, test/backup/, test/observe/) and HTTP apps (test/e2e/), in memory
  // (the status page's browser test included).
  e2e: (file) => /^test\/(app|e2e|backup|observe)\//.test(file) && !needsServers(file) && !isMultiProcess(file),
  // Stores and locks against real servers, one process.
  backends: (file) => (/^test\/(redis|postgres|sqlite)\//.test(file) || needsServers(file)) && !isMultiProcess(file),
  // Real child processes sharing a backend.
  'multi-process': (file) => isMultiProcess(file),
  chaos: (file) => file.startsWith('test/chaos/'),
  packaging: (file) => file.startsWith('test/packaging/'),
};

/** Specs outside the backend folders that need real servers: backup cold starts, the heartbeat contract. */
function needsServers(file) {
  const name = basename(file);
  return (file.startsWith('test/backup/') && name.includes('cold-start')) || name.startsWith('heartbeat.contract');
}

/** Real child processes: the shared scenarios, SQLite's workers and lock fuzz, test/observe/'s fleet and traces. */
function isMultiProcess(file) {
  const name = basename(file);
  return (
    name.includes('multi-process') ||
    /^sqlite-(cluster|pm2|lock\.fuzz)/.test(name) ||
    (file.startsWith('test/observe/') && /^(fleet-|trace-link)/.test(name))
  );
}

/** Spec sources under lib/ and test/ (tools, fixtures and installed apps excluded), as POSIX paths. */
function specSources() {
  // The consumer apps' own specs run inside those apps (Jest, Vitest), driven by test/packaging.
  const skipped = ['test/bench/', 'test/packaging/fixtures/', 'test/consumers/', 'node_modules/'];
  return ['lib', 'test']
    .flatMap((dir) => readdirSync(dir, { recursive: true }).map((f) => `${dir}/${String(f).split(sep).join('/')}`))
    .filter((f) => /\.(e2e-)?spec\.ts$/.test(f) && !skipped.some((s) => f.startsWith(s) || f.includes(`/${s}`)))
    .sort();
}

const args = process.argv.slice(2);
const list = args.includes('--list');
const flags = args.filter((a) => a.startsWith('-') && a !== '--list');
const selectors = args.filter((a) => !a.startsWith('-'));
const compiled = (source) => `build/${source.replace(/\.ts$/, '.js')}`;
const sources = specSources();
const selected = selectors.length
  ? sources.filter((f) =>
      selectors.some((s) => (CATEGORIES[s] ? CATEGORIES[s](f) : f.includes(s) || compiled(f).includes(s))),
    )
  : sources;

if (selected.length === 0) {
  const names = Object.keys(CATEGORIES).join(', ');
  console.error(`No spec matches "${selectors.join(' ')}" (categories: ${names}; or a path filter).`);
  process.exit(1);
}
if (selectors.length === 0) {
  // A spec no category selects would be run by npm test only: say so, so it gets a home.
  const homeless = sources.filter((f) => !Object.values(CATEGORIES).some((inCategory) => inCategory(f)));
  for (const f of homeless) console.error(`note: ${f} is in no test category (see scripts/run-tests.mjs)`);
}
if (list) {
  console.log(selected.join('\n'));
  process.exit(0);
}
const missing = selected.filter((f) => !existsSync(compiled(f)));
if (missing.length) {
  console.error(`Not compiled yet: ${missing.join(', ')}. Build first ("npm run build:all", or the npm script's own).`);
  process.exit(1);
}
const { status, signal } = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', ...flags, ...selected.map(compiled)],
  { stdio: 'inherit' },
);
process.exit(status ?? (signal ? 1 : 0));
