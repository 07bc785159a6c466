import { describeSyncStoreContract } from '../../testing/index.js';
import { MemorySyncStore } from './memory-sync.store.js';

describeSyncStoreContract('MemorySyncStore', () => new MemorySyncStore(), { batches: true });
