/**
 * The in-memory backends: the module's defaults, for one process (several apps in
 * one process may share an instance). Exported from the package root.
 */
export { MemorySyncLock } from './memory-sync.lock.js';
export { MemorySyncStore } from './memory-sync.store.js';
