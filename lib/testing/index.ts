export { describeSyncLockContract } from './sync-lock.contract.js';
export type { SyncLockContractOptions, SyncLockFactory } from './sync-lock.contract.js';
export { describeSyncStoreContract } from './sync-store.contract.js';
export type { SyncStoreFactory } from './sync-store.contract.js';
export { describeSyncHeartbeatContract } from './sync-heartbeat.contract.js';
