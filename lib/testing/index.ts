/**
 * Conformance suites for backend authors (subpath `nestjs-version-sync/testing`): every
 * store and lock of this package passes them, and so must a third-party one. They register
 * through the runner functions passed in (`node:test` by default), so Jest, Vitest or Mocha
 * run them too.
 */
export { nodeTestRunner } from './contract.runner.js';
export type { ContractRunner } from './contract.runner.js';
export { describeSyncLockContract } from './sync-lock.contract.js';
export type { SyncLockContractOptions, SyncLockFactory } from './sync-lock.contract.js';
export { describeSyncStoreContract } from './sync-store.contract.js';
export type { StoreWireOptions, SyncStoreContractOptions, SyncStoreFactory } from './sync-store.contract.js';
export { describeSyncHeartbeatContract } from './sync-heartbeat.contract.js';
