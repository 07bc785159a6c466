/**
 * `npm run chaos -- --backend redis|postgres|sqlite --seconds N [--seed S]
 * [--redis-persistence aof|none] [--instances 5] [--tasks 10]`
 *
 * Runs one chaos session (chaos.engine.ts) against a Redis or PostgreSQL that
 * it starts itself on a free loopback port, or a SQLite file in a temp directory, prints the invariants as Markdown
 * on stdout (progress on stderr) and exits 0 only when every invariant held.
 * The long run is `--seconds 600`.
 */
import { parseArgs } from 'node:util';
import { runChaos } from './chaos.engine.js';
import { markdown } from './chaos.report.js';
import { type ChaosBackend, storeSkip } from './chaos.store.js';

const USAGE =
  'usage: node build/test/chaos/run.js --backend redis|postgres|sqlite --seconds N [--seed S] [--redis-persistence aof|none] [--instances N] [--tasks N]';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    'redis-persistence': { type: 'string', default: 'aof' },
    instances: { type: 'string', default: '5' },
    tasks: { type: 'string', default: '10' },
  },
});
const backend = values.backend as ChaosBackend;
const [seconds, instances, tasks] = [values.seconds, values.instances, values.tasks].map(Number);
const seed = values.seed === undefined ? undefined : Number(values.seed);
const persistence = values['redis-persistence'] as 'aof' | 'none';
const bad =
  (!['redis', 'postgres', 'sqlite'].includes(backend) && '--backend must be redis, postgres or sqlite') ||
  (!(seconds > 0) && '--seconds must be a positive number') ||
  (seed !== undefined && !Number.isInteger(seed) && '--seed must be an integer') ||
  (!['aof', 'none'].includes(persistence) && '--redis-persistence must be aof or none') ||
  (!(Number.isInteger(instances) && instances >= 2) && '--instances must be an integer ≥ 2') ||
  (!(Number.isInteger(tasks) && tasks >= 1) && '--tasks must be a positive integer');
if (bad) {
  process.stderr.write(`${bad}\n${USAGE}\n`);
  process.exit(2);
}
if (await storeSkip(backend)) process.exit(1);

const result = await runChaos({
  backend,
  seconds,
  seed,
  instances,
  tasks,
  redisPersistence: persistence,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(markdown(result));
process.exit(result.passed ? 0 : 1);
