import { randomUUID } from 'node:crypto';
import type { SyncStore } from '../backend/index.js';
import { nodeTestRunner } from './contract.runner.js';
import { storeBasicCases } from './store-basic.cases.js';
import { storeBatchCases } from './store-batch.cases.js';
import type { StoreCaseContext, SyncStoreContractOptions, SyncStoreFactory } from './store-contract.util.js';
import { storeEventCases } from './store-events.cases.js';
import { storeFaultCases } from './store-faults.cases.js';
import { storeFencingCases } from './store-fencing.cases.js';
import { storeWireCases } from './store-wire.cases.js';

export type { StoreWireOptions, SyncStoreContractOptions, SyncStoreFactory } from './store-contract.util.js';

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
    storeBatchCases(context, options);
    storeEventCases(context);
    storeFaultCases(context, options);
    storeWireCases(context, options);
  });
}

function notBuilt(): never {
  throw new Error('the store was not built: the runner did not call the suite\'s "before" hook first');
}
