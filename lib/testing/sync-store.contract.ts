import { randomUUID } from 'node:crypto';
import type { SyncSerializer, SyncStore } from '../backend/index.js';
import { type ContractRunner, nodeTestRunner } from './contract.runner.js';
import { storeBasicCases } from './store-basic.cases.js';
import type { StoreCaseContext } from './store-contract.util.js';
import { storeEventCases } from './store-events.cases.js';
import { storeFaultCases } from './store-faults.cases.js';
import { storeFencingCases } from './store-fencing.cases.js';

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
  /** Builds a store whose server does not answer (a closed port): turns on the unreachable-server case. */
  unreachable?: SyncStoreFactory;
  /** ms within which calls of the `unreachable` store must fail (default 5000). */
  unreachableWithin?: number;
}

/**
 * The contract every `SyncStore` must keep (the model is ShedLock's
 * AbstractLockProviderIntegrationTest; the shape is keyv's test suite). Registers its cases
 * through `options.runner` (default `node:test`). Every case uses a fresh namespace, so a
 * suite can run against a shared server.
 *
 * @example describeSyncStoreContract('MemorySyncStore', () => new MemorySyncStore());
 * @example // Jest or Vitest:
 * describeSyncStoreContract('MyStore', () => new MyStore(url), {
 *   runner: { describe, it, before: beforeAll, after: afterAll },
 * });
 */
export function describeSyncStoreContract(
  name: string,
  factory: SyncStoreFactory,
  options: SyncStoreContractOptions = {},
): void {
  const runner = options.runner ?? nodeTestRunner;
  runner.describe(`SyncStore contract: ${name}`, () => {
    let store: SyncStore | undefined;
    runner.before(async () => {
      store = await factory();
    });
    runner.after(async () => {
      await store?.close();
    });
    const context: StoreCaseContext = {
      it: (title, body) => runner.it(title, body),
      after: (body) => runner.after(body),
      store: () => store ?? notBuilt(),
      ns: () => `contract-${randomUUID()}`,
    };
    storeBasicCases(context);
    storeFencingCases(context);
    storeEventCases(context);
    storeFaultCases(context, options);
  });
}

function notBuilt(): never {
  throw new Error('the store was not built: the runner did not call the suite\'s "before" hook first');
}
