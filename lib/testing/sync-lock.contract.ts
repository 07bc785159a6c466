import { randomUUID } from 'node:crypto';
import type { SyncLock } from '../backend/index.js';
import { nodeTestRunner } from './contract.runner.js';
import { lockBasicCases } from './lock-basic.cases.js';
import { lockFaultCases } from './lock-faults.cases.js';
import { lockFencingCases } from './lock-fencing.cases.js';
import type { LockCaseContext, SyncLockContractOptions, SyncLockFactory } from './lock-contract.types.js';

export type { LockCaseContext, SyncLockContractOptions, SyncLockFactory } from './lock-contract.types.js';

/**
 * The contract every `SyncLock` must keep (the model is ShedLock's
 * AbstractLockProviderIntegrationTest and its FuzzTester; the shape is keyv's test suite).
 * Registers its cases through `options.runner` (default `node:test`).
 *
 * @example describeSyncLockContract('MemorySyncLock', () => new MemorySyncLock());
 */
export function describeSyncLockContract(
  name: string,
  factory: SyncLockFactory,
  options: SyncLockContractOptions = {},
): void {
  const runner = options.runner ?? nodeTestRunner;
  runner.describe(`SyncLock contract: ${name}`, () => {
    let lock: SyncLock | undefined;
    runner.before(async () => {
      lock = await factory();
    });
    runner.after(async () => {
      await lock?.close();
    });
    const context: LockCaseContext = {
      it: (title, body) => runner.it(title, body),
      lock: () => lock ?? notBuilt(),
      fresh: () => `contract-${randomUUID()}`,
      shortTtl: options.shortTtl ?? 300,
      options,
    };
    lockBasicCases(context);
    lockFencingCases(context);
    lockFaultCases(context);
  });
}

function notBuilt(): never {
  throw new Error('the lock was not built: the runner did not call the suite\'s "before" hook first');
}
