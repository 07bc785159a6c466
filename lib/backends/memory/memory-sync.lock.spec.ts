import { describeSyncLockContract } from '../../testing/index.js';
import { MemorySyncLock } from './memory-sync.lock.js';

describeSyncLockContract('MemorySyncLock', () => new MemorySyncLock());
