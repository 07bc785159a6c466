import { DEFAULT_LEASE_TTL, DEFAULT_SYNC_NAME, DEFAULT_TIMEOUT, MIN_LEASE_TTL } from './sync.constants.js';
import { InvalidSyncOptionsError } from './sync.errors.js';
import { Logger } from '@nestjs/common';
import { INVALID_OPTION, MODULE_LEVEL_OPTION, ONE_BACKEND } from './sync.messages.js';
import type { NormalizedSyncOptions, SyncModuleOptions } from './interfaces/sync-options.interface.js';
import { SYNC_LOCK_METHODS } from './backend/sync-lock.interface.js';
import { checkDuration as checkDurationOption } from './backend/option.checks.js';
import { MemorySyncLock } from './backends/memory/memory-sync.lock.js';
import { SYNC_STORE_METHODS } from './backend/sync-store.interface.js';
import { MemorySyncStore } from './backends/memory/memory-sync.store.js';
import { normalizeBackupOptions } from './sync-backup-options.normalizer.js';

const KNOWN = new Set([
  'interval',
  'store',
  'lock',
  'name',
  'timeout',
  'concurrency',
  'leaseTtl',
  'freeze',
  'maxDataBytes',
  'ready',
  'backup',
  'telemetry',
]);

/**
 * Keys of `forRootAsync()` itself. `forRoot()` strips `isGlobal` before the options get
 * here, so one of these can only come from a `forRootAsync` factory's result, where Nest
 * never looks at it: say where it belongs instead of ignoring it.
 */
const MODULE_LEVEL = new Set([
  'isGlobal',
  'imports',
  'inject',
  'useFactory',
  'useClass',
  'useExisting',
  'extraProviders',
]);

/** ms `ready.wait` holds bootstrap by default. */
const DEFAULT_READY_TIMEOUT = 30_000;

function fail(option: string, value: unknown, fix: string): never {
  throw new InvalidSyncOptionsError(INVALID_OPTION(option, value, fix), option, value);
}

/** A finite number of ms > 0 (and >= `min`), or the fallback when absent: the rule every backend applies too. */
export function checkDuration(option: string, value: unknown, fallback?: number, min = 0): number {
  return checkDurationOption(option, value, { fallback, min }, (fix) => fail(option, value, fix));
}

function checkSize(option: string, value: unknown): number {
  if (value === undefined) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(
      option,
      value,
      `Use a whole number of bytes of at least 1, e.g. ${option}: 16 * 1024 * 1024, or leave it out for no limit.`,
    );
  }
  return value;
}

function checkBackend<T extends object>(
  option: string,
  value: unknown,
  methods: readonly string[],
  example: string,
): T {
  const missing =
    typeof value === 'object' && value !== null
      ? methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
      : methods;
  if (missing.length) {
    fail(
      option,
      value,
      `It lacks ${missing.join(', ')}. Pass an instance that implements the interface, e.g. ${example}, or leave it out for the in-memory default.`,
    );
  }
  return value as T;
}

/** `{ backup }` when backups are on, else nothing (the key stays absent). */
function backupOption(value: unknown, name: string): Pick<NormalizedSyncOptions, 'backup'> {
  const backup = normalizeBackupOptions(value, name);
  return backup ? { backup } : {};
}

/**
 * Validates `SyncModule` options and fills in the defaults, once, at bootstrap.
 * @throws InvalidSyncOptionsError naming the option, the value and the fix.
 */
export function normalizeSyncOptions(options: SyncModuleOptions | undefined): NormalizedSyncOptions {
  if (typeof options !== 'object' || options === null) {
    fail('options', options, 'Pass an object with at least an interval, e.g. SyncModule.forRoot({ interval: 5_000 }).');
  }
  for (const key of Object.keys(options)) {
    const value = (options as unknown as Record<string, unknown>)[key];
    if (MODULE_LEVEL.has(key)) fail(key, value, MODULE_LEVEL_OPTION(key));
    if (!KNOWN.has(key)) fail(key, value, `Unknown option; known ones are ${[...KNOWN].join(', ')}.`);
  }
  const interval = checkDuration('interval', options.interval);
  const name = options.name ?? DEFAULT_SYNC_NAME;
  if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) {
    fail('name', name, 'Use 1 to 64 letters, digits, "_", "-" or ".", e.g. name: "pricing".');
  }
  const concurrency = options.concurrency ?? Infinity;
  if (concurrency !== Infinity && (!Number.isInteger(concurrency) || concurrency < 1)) {
    fail('concurrency', concurrency, 'Use a whole number of at least 1, or leave it out for no limit.');
  }
  if ((options.store === undefined) !== (options.lock === undefined)) {
    new Logger('SyncModule').warn(ONE_BACKEND(options.store === undefined ? 'store' : 'lock'));
  }
  const freeze = options.freeze ?? true;
  if (typeof freeze !== 'boolean') fail('freeze', freeze, 'Use true (default) or false.');
  return {
    interval,
    name,
    concurrency,
    freeze,
    timeout: checkDuration('timeout', options.timeout, DEFAULT_TIMEOUT),
    maxDataBytes: checkSize('maxDataBytes', options.maxDataBytes),
    leaseTtl: checkDuration('leaseTtl', options.leaseTtl, DEFAULT_LEASE_TTL, MIN_LEASE_TTL),
    ...backupOption(options.backup, name),
    store:
      options.store === undefined
        ? new MemorySyncStore()
        : checkBackend('store', options.store, SYNC_STORE_METHODS, 'new RedisSyncStore({ url })'),
    lock:
      options.lock === undefined
        ? new MemorySyncLock()
        : checkBackend('lock', options.lock, SYNC_LOCK_METHODS, 'new RedisSyncLock({ url })'),
    ready: checkReady(options.ready),
    sharedLock: options.lock !== undefined && !(options.lock instanceof MemorySyncLock),
  };
}

function checkReady(ready: unknown): NormalizedSyncOptions['ready'] {
  const example = 'e.g. ready: { wait: true, timeout: 10_000 }, or leave it out to start without waiting.';
  if (ready === undefined) return { wait: false, timeout: DEFAULT_READY_TIMEOUT };
  if (typeof ready !== 'object' || ready === null) fail('ready', ready, `Use an object, ${example}`);
  const { wait = false, timeout, ...rest } = ready as Record<string, unknown>;
  for (const key of Object.keys(rest))
    fail(`ready.${key}`, rest[key], `Unknown option; use wait and timeout, ${example}`);
  if (typeof wait !== 'boolean') fail('ready.wait', wait, `Use true or false, ${example}`);
  return { wait, timeout: checkDuration('ready.timeout', timeout, DEFAULT_READY_TIMEOUT) };
}
