import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncRecord, SyncSerializer, SyncStore, SyncStoreEvent } from '../backend/index.js';
import type { ContractRunner } from './contract.runner.js';

/** What each group of store cases gets from the suite: the runner's functions, the store, fresh namespaces. */
export interface StoreCaseContext {
  readonly it: ContractRunner['it'];
  /** The runner's `after`, for what a group opens itself. */
  readonly after: ContractRunner['after'];
  /** The store under test, built once by the suite's `before`. */
  store(): SyncStore;
  /** A namespace no other case uses, so a suite can run against a shared server. */
  ns(): string;
}

/** A record of `tag` at `version` and `fence`, times set to now. */
export function record(
  tag: string,
  version: SyncRecord['version'],
  fence: number,
  data: unknown = { version },
): SyncRecord {
  const now = Date.now();
  return { tag, version, data, modifiedAt: now, checkedAt: now, fence };
}

/** Subscribes now; `next` resolves with the first event `accept` takes, or rejects after `ms`. */
export async function listen(
  store: SyncStore,
  namespace: string,
  accept: (event: SyncStoreEvent) => boolean,
  ms = 2_000,
): Promise<{ next: Promise<SyncStoreEvent> }> {
  let resolve!: (event: SyncStoreEvent) => void;
  const got = new Promise<SyncStoreEvent>((r) => (resolve = r));
  const subscription = await store.subscribe(namespace, (event) => accept(event) && resolve(event));
  const timer = new AbortController();
  const timeout = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`no matching event on ${namespace} within ${ms} ms`);
  });
  timeout.catch(() => undefined);
  const next = Promise.race([got, timeout]).finally(() => {
    timer.abort();
    return subscription.unsubscribe();
  });
  return { next };
}

/**
 * JSON, except for data marked `{ poison }`: `'encode'` makes `encode` throw, `'nothing'` makes it
 * return undefined, `'decode'` encodes fine and makes `decode` throw. The fault cases write with it.
 */
export const poisonSerializer: SyncSerializer = {
  encode(data) {
    const poison = (data as { poison?: string } | null)?.poison;
    if (poison === 'encode') throw new Error('this data cannot be encoded');
    return poison === 'nothing' ? (undefined as unknown as string) : JSON.stringify(data);
  },
  decode(raw) {
    const data = JSON.parse(raw.toString('utf8')) as { poison?: string } | null;
    if (data?.poison === 'decode') throw new Error('this data cannot be decoded');
    return data;
  },
};

/** Builds the store under test; called once per suite. */
export type SyncStoreFactory = () => SyncStore | Promise<SyncStore>;

/** What the store suite runs on, and the factories that turn on its fault cases. */
export interface SyncStoreContractOptions {
  /** The test runner's functions (default `node:test`); see `ContractRunner`. */
  runner?: ContractRunner;
  /**
   * Builds a store of the same backend (and server) that uses `serializer`: turns on the cases
   * for data that cannot be encoded or decoded. Leave it out for a store that keeps data as is.
   */
  withSerializer?: (serializer: SyncSerializer) => SyncStore | Promise<SyncStore>;
  /**
   * Builds a store of the same backend (and server) with these wire options of this package's backends: turns
   * on the cases of inline change events and compression. Leave it out for a store without those options.
   */
  withOptions?: (options: StoreWireOptions) => SyncStore | Promise<SyncStore>;
  /** Builds a store whose server does not answer (a closed port): turns on the unreachable-server case. */
  unreachable?: SyncStoreFactory;
  /** ms within which calls of the `unreachable` store must fail (default 5000). */
  unreachableWithin?: number;
  /**
   * The store implements the optional `touchMany`: its cases then fail without it (by default they pass at
   * once for a store without it, which the engine touches once per check).
   */
  batches?: boolean;
}

/** The wire options the backends of this package share (see their option tables in the README). */
export interface StoreWireOptions {
  inlineMaxBytes?: number;
  compression?: 'gzip' | 'brotli' | false;
  compressAbove?: number;
}
