import { DEFAULT_LEASE_TTL, DEFAULT_SYNC_NAME, DEFAULT_TIMEOUT, MIN_LEASE_TTL } from './sync.constants.js';
import { InvalidSyncOptionsError } from './sync.errors.js';
import { Logger } from '@nestjs/common';
import { INVALID_OPTION, ONE_BACKEND } from './sync.messages.js';
import type { NormalizedSyncOptions, SyncModuleOptions } from './interfaces/sync-options.interface.js';
import { SYNC_LOCK_METHODS } from './backend/sync-lock.interface.js';
import { MemorySyncLock } from './backends/memory/memory-sync.lock.js';
import { SYNC_STORE_METHODS } from './backend/sync-store.interface.js';
import { MemorySyncStore } from './backends/memory/memory-sync.store.js';

/** The longest delay a Node timer honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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
  'isGlobal',
  'telemetry',
]);

function fail(option: string, value: unknown, fix: string): never {
  throw new InvalidSyncOptionsError(INVALID_OPTION(option, value, fix), option, value);
}

/** A finite number of ms > 0, or the fallback when absent. */
export function checkDuration(option: string, value: unknown, fallback?: number, min = 0): number {
  if (value === undefined && fallback !== undefined) return fallback;
  // Timers clamp anything above 2^31 - 1 ms (about 24.8 days) to 1 ms: a hot loop, not a long wait.
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value < min || value > MAX_TIMER_MS) {
    const bound = min > 0 ? `of at least ${min}` : 'greater than 0';
    fail(
      option,
      value,
      `Use a finite number of milliseconds ${bound} and at most ${MAX_TIMER_MS}, e.g. ${option}: ${Math.max(min, 5_000)}.`,
    );
  }
  return value;
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

/**
 * Validates `SyncModule` options and fills in the defaults, once, at bootstrap.
 * @throws InvalidSyncOptionsError naming the option, the value and the fix.
 */
export function normalizeSyncOptions(options: SyncModuleOptions | undefined): NormalizedSyncOptions {
  if (typeof options !== 'object' || options === null) {
    fail('options', options, 'Pass an object with at least an interval, e.g. SyncModule.forRoot({ interval: 5_000 }).');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key))
      fail(
        key,
        (options as unknown as Record<string, unknown>)[key],
        `Unknown option; known ones are ${[...KNOWN].join(', ')}.`,
      );
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
    store:
      options.store === undefined
        ? new MemorySyncStore()
        : checkBackend('store', options.store, SYNC_STORE_METHODS, 'new RedisSyncStore({ url })'),
    lock:
      options.lock === undefined
        ? new MemorySyncLock()
        : checkBackend('lock', options.lock, SYNC_LOCK_METHODS, 'new RedisSyncLock({ url })'),
  };
}
