import assert from 'node:assert/strict';
import { SyncConnectionError } from '../backend/index.js';

/** How long a case may wait for a store or lock that cannot be reached, by default, ms. */
export const DEFAULT_UNREACHABLE_WITHIN = 5_000;

/**
 * The unreachable-server case of both suites: builds the backend, runs each call, and asserts
 * every one rejects with a `SyncConnectionError` within `within` ms; closes the backend after.
 */
export async function assertUnreachable<T extends { close(): Promise<void> }>(
  build: () => T | Promise<T>,
  calls: (backend: T) => [string, () => Promise<unknown>][],
  within: number,
): Promise<void> {
  const backend = await build();
  try {
    for (const [call, run] of calls(backend)) {
      const started = Date.now();
      await assert.rejects(run, (error: unknown) => {
        assert.ok(error instanceof SyncConnectionError, `${call}: got ${String(error)}`);
        return true;
      });
      assert.ok(Date.now() - started < within, `${call} took ${Date.now() - started} ms`);
    }
  } finally {
    await backend.close();
  }
}
