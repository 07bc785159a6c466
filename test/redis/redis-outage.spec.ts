import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import type { SyncLock } from '../../lib/backend/sync-lock.interface.js';
import type { SyncStore, SyncStoreEvent } from '../../lib/backend/sync-store.interface.js';
import { SyncConnectionError } from '../../lib/sync.errors.js';
import { redisSkip, redisServerSkip } from '../support/services.js';
import { RedisServer } from '../support/redis.server.js';
import { waitFor } from '../support/wait-for.js';

const skip = (await redisSkip()) || (await redisServerSkip());
const TIMEOUT = 1_000;

/** Every call of the scheduler's, each of which must settle while Redis is down. */
function calls(store: SyncStore, lock: SyncLock): [string, () => Promise<unknown>][] {
  const record = { tag: 't', version: 1, data: {}, modifiedAt: 1, checkedAt: 1, fence: 1 };
  const lease = { name: 'ns', holder: 'h', fence: 1 };
  return [
    ['read', () => store.read('ns', 't')],
    ['write', () => store.write('ns', record)],
    ['touch', () => store.touch('ns', 't', 1, 2, 1)],
    ['revision', () => store.revision('ns')],
    ['heads', () => store.heads('ns')],
    ['publish', () => store.publish('ns', { type: 'refresh', tag: 't', id: '1' })],
    ['subscribe', () => store.subscribe('other', () => undefined)],
    ['acquire', () => lock.acquire('ns', 'h', 1_000)],
    ['renew', () => lock.renew(lease, 1_000)],
    ['release', () => lock.release(lease)],
    ['current', () => lock.current('ns')],
  ];
}

/** Publishes `refresh` events until the subscription that fills `seen` receives one (ioredis resubscribed). */
async function receivesAgain(publisher: SyncStore, ns: string, seen: SyncStoreEvent[]): Promise<void> {
  await waitFor(
    async () => {
      await publisher.publish(ns, { type: 'refresh', tag: 't', id: 'after-restart' }).catch(() => undefined);
      await sleep(100);
      return seen.some((event) => event.type === 'refresh' && event.id === 'after-restart');
    },
    10_000,
    'an event delivered after the restart',
  );
}

describe('Redis backend while Redis is down', { skip }, () => {
  let server: RedisServer;

  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server?.dispose();
  });

  // A client passed in keeps ioredis' offline queue: a call that timed out may still run once Redis is back.
  const setups: [string, boolean, () => { store: SyncStore; lock: SyncLock; done: () => Promise<void> }][] = [
    [
      'created from a url',
      false,
      () => {
        const store = new RedisSyncStore({ url: server.url, timeout: TIMEOUT });
        const lock = new RedisSyncLock({ url: server.url, timeout: TIMEOUT });
        return { store, lock, done: async () => void (await Promise.all([store.close(), lock.close()])) };
      },
    ],
    [
      'with a client passed in (default ioredis options)',
      true,
      () => {
        const client = new Redis(server.url);
        const store = new RedisSyncStore({ client, timeout: TIMEOUT });
        const lock = new RedisSyncLock({ client, timeout: TIMEOUT });
        return {
          store,
          lock,
          done: async () => void (await Promise.all([store.close(), lock.close()]), client.disconnect()),
        };
      },
    ],
  ];

  for (const [name, queues, setup] of setups) {
    describe(name, () => {
      it('settles every call with a SyncConnectionError within the timeout, and recovers when Redis is back', async () => {
        const { store, lock, done } = setup();
        try {
          await Promise.all([store.connect!(), lock.connect!()]);
          await server.stop();
          const results = await Promise.all(
            calls(store, lock).map(async ([call, run]) => {
              const started = Date.now();
              const error = await run().then(
                () => undefined,
                (e: unknown) => e,
              );
              return { call, error, ms: Date.now() - started };
            }),
          );
          for (const { call, error, ms } of results) {
            assert.ok(error instanceof SyncConnectionError, `${call}: ${String(error)}`);
            assert.ok(ms < TIMEOUT + 500, `${call} took ${ms} ms`);
          }
          await server.restart();
          const reconnected = () =>
            Promise.all([store.revision('ns'), lock.current('ns')]).then(
              () => true,
              () => false,
            );
          await waitFor(reconnected, 10_000, 'the reconnection', { every: 100 });
          if (!queues) {
            assert.equal(await store.revision('ns'), 0, 'no call that failed ran later');
            assert.ok(await lock.acquire('ns', 'h', 1_000));
          }
        } finally {
          await done();
        }
      });

      it('re-subscribes after Redis restarts (ioredis autoResubscribe)', async () => {
        const { store, lock, done } = setup();
        const publisher = new RedisSyncStore({ url: server.url, timeout: TIMEOUT });
        try {
          const seen: SyncStoreEvent[] = [];
          await store.subscribe('ns', (event) => seen.push(event));
          await server.restart();
          await receivesAgain(publisher, 'ns', seen);
        } finally {
          await Promise.all([done(), lock.close(), publisher.close()]);
        }
      });
    });
  }

  it('rejects connect() with a SyncConnectionError when the server is down', async () => {
    await server.stop();
    const store = new RedisSyncStore({ url: server.url, timeout: TIMEOUT });
    try {
      await assert.rejects(store.connect(), (error: unknown) => {
        assert.ok(error instanceof SyncConnectionError);
        assert.ok(error.message.includes(`127.0.0.1:${server.port}`), error.message);
        return true;
      });
    } finally {
      await store.close();
      await server.restart();
    }
  });
});
