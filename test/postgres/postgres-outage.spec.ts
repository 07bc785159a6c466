import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresSyncLock, PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { SyncConnectionError } from '../../lib/backend/index.js';
import { PostgresServer } from '../support/postgres.server.js';
import { postgresServerSkip } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

const skip = await postgresServerSkip();
const TIMEOUT = 500;

describe("PostgreSQL backend while the server is down: a server of the test's own", { skip, timeout: 90_000 }, () => {
  let server: PostgresServer;
  let store: PostgresSyncStore;
  let lock: PostgresSyncLock;

  before(async () => {
    server = await PostgresServer.start();
    const options = { connectionString: server.url, connectTimeout: TIMEOUT, queryTimeout: TIMEOUT };
    store = new PostgresSyncStore(options);
    lock = new PostgresSyncLock(options);
    await Promise.all([store.connect(), lock.connect()]);
  });
  after(async () => {
    await Promise.all([store?.close(), lock?.close()]);
    await server?.dispose();
  });

  it('settles every call with a SyncConnectionError naming the server within its timeouts, and recovers', async () => {
    const record = { tag: 't', version: 1, data: {}, modifiedAt: 1, checkedAt: 1, fence: 1 };
    const lease = { name: 'ns', holder: 'h', fence: 1 };
    const calls: [string, () => Promise<unknown>][] = [
      ['read', () => store.read('ns', 't')],
      ['write', () => store.write('ns', record)],
      ['touch', () => store.touch('ns', 't', 1, 2, 1)],
      ['revision', () => store.revision('ns')],
      ['heads', () => store.heads('ns')],
      ['publish', () => store.publish('ns', { type: 'refresh', tag: 't', id: '1' })],
      ['acquire', () => lock.acquire('ns', 'h', 1_000)],
      ['renew', () => lock.renew(lease, 1_000)],
      ['release', () => lock.release(lease)],
      ['current', () => lock.current('ns')],
    ];
    await server.stop();
    for (const [call, run] of calls) {
      const started = Date.now();
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      const ms = Date.now() - started;
      assert.ok(error instanceof SyncConnectionError, `${call}: ${String(error)}`);
      assert.ok(error.message.includes(`127.0.0.1:${server.port}`), error.message);
      assert.ok(ms < 2 * TIMEOUT + 1_000, `${call} took ${ms} ms`);
    }
    await server.restart();
    const recovered = () =>
      Promise.all([store.revision('ns'), lock.current('ns')]).then(
        () => true,
        () => false,
      );
    await waitFor(recovered, 15_000, 'the pools reconnecting', { every: 100 });
    assert.equal((await store.write('ns', record)).accepted, true);
    assert.ok(await lock.acquire('ns', 'h', 1_000));
  });
});
