import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { InvalidSyncOptionsError, SyncConnectionError } from '../../lib/sync.errors.js';
import { REDIS_URL, redisSkip, redisServerSkip } from '../support/services.js';
import { RedisServer } from '../support/redis.server.js';
import { waitFor } from '../support/wait-for.js';

const skip = (await redisSkip()) || (await redisServerSkip());

/** Asserts `error` is an `InvalidSyncOptionsError` about `option` whose message shows `shown`. */
function invalidOption(option: string, shown: string) {
  return (error: unknown) => {
    assert.ok(error instanceof InvalidSyncOptionsError, `got ${String(error)}`);
    assert.equal(error.option, option);
    assert.ok(error.message.includes(shown), `message does not name ${shown}: ${error.message}`);
    return true;
  };
}

/** The server's count of client connections once it is `expected` (disconnects are noticed late), or after 2 s. */
async function connections(admin: Redis, expected: number): Promise<number> {
  let count = 0;
  const counted = async () =>
    (count = String(await admin.client('LIST'))
      .trim()
      .split('\n').length) === expected;
  await waitFor(counted, 2_000, `${expected} connections`, { every: 50 }).catch(() => undefined);
  return count;
}

describe('Redis backend: options and connections', { skip }, () => {
  const backends = [
    ['RedisSyncStore', (options: object) => new RedisSyncStore(options)],
    ['RedisSyncLock', (options: object) => new RedisSyncLock(options)],
  ] as const;

  for (const [name, create] of backends) {
    describe(name, () => {
      it('refuses options with neither a url nor a client, naming both', () => {
        assert.throws(() => create({}), invalidOption('client', 'undefined'));
        assert.throws(() => create({}), /"client".*"url"/);
      });

      it('refuses a client that is not an ioredis client, naming the value', () => {
        assert.throws(() => create({ client: {} }), invalidOption('client', 'got {}'));
        assert.throws(() => create({ client: { get() {} } }), invalidOption('client', 'get'));
      });

      it('refuses a keyPrefix with whitespace, a newline or braces, naming the value', () => {
        assert.throws(() => create({ url: REDIS_URL, keyPrefix: 'my app' }), invalidOption('keyPrefix', "'my app'"));
        assert.throws(() => create({ url: REDIS_URL, keyPrefix: 'my\napp' }), invalidOption('keyPrefix', "'my\\napp'"));
        assert.throws(() => create({ url: REDIS_URL, keyPrefix: 'a{b}' }), invalidOption('keyPrefix', "'a{b}'"));
        assert.throws(() => create({ url: REDIS_URL, keyPrefix: '' }), invalidOption('keyPrefix', "''"));
      });

      it('refuses a URL that is not redis:// or rediss://, without printing its password', () => {
        const check = invalidOption('url', "'http://user:***@example.com/'");
        assert.throws(
          () => create({ url: 'http://user:hunter2@example.com/' }),
          (error: unknown) => {
            check(error);
            assert.ok(!(error as Error).message.includes('hunter2'));
            assert.ok(!JSON.stringify((error as InvalidSyncOptionsError).value).includes('hunter2'));
            return true;
          },
        );
        assert.throws(() => create({ url: 'localhost:6379' }), invalidOption('url', "'localhost:6379'"));
      });

      it('refuses a bad timeout and both a url and a client', () => {
        assert.throws(() => create({ url: REDIS_URL, timeout: 0 }), invalidOption('timeout', 'got 0'));
        const client = new Redis(REDIS_URL, { lazyConnect: true });
        assert.throws(() => create({ url: REDIS_URL, client }), invalidOption('url', REDIS_URL));
        client.disconnect();
      });

      it('rejects connect() to an unreachable server with a SyncConnectionError within seconds', async () => {
        const backend = create({ url: 'redis://127.0.0.1:1', timeout: 2_000 });
        const started = Date.now();
        await assert.rejects(backend.connect(), (error: unknown) => {
          assert.ok(error instanceof SyncConnectionError, String(error));
          assert.match(error.message, /redis:\/\/127\.0\.0\.1:1/);
          assert.match(error.message, /ECONNREFUSED/);
          return true;
        });
        assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
        await backend.close();
      });
    });
  }

  describe('with servers of its own', () => {
    let secured: RedisServer;
    let plain: RedisServer;
    let admin: Redis;

    before(async () => {
      [secured, plain] = await Promise.all([RedisServer.start({ password: 's3cret-pass' }), RedisServer.start()]);
      // The server's own control client is the one admin connection the counts below include.
      admin = plain.control;
    });
    after(async () => {
      await Promise.all([secured?.dispose(), plain?.dispose()]);
    });

    it('rejects a wrong password with a SyncConnectionError that never shows the password', async () => {
      const url = `redis://:wrong-secret@127.0.0.1:${secured.port}`;
      for (const backend of [new RedisSyncStore({ url }), new RedisSyncLock({ url })]) {
        await assert.rejects(backend.connect(), (error: unknown) => {
          assert.ok(error instanceof SyncConnectionError, String(error));
          assert.match(error.message, new RegExp(`redis://:\\*\\*\\*@127\\.0\\.0\\.1:${secured.port}`));
          assert.match(error.message, /WRONGPASS|NOAUTH/);
          assert.ok(!error.message.includes('wrong-secret'), error.message);
          return true;
        });
        await backend.close();
      }
    });

    it('connects with the right password', async () => {
      const store = new RedisSyncStore({ url: secured.url });
      await store.connect();
      assert.equal(await store.revision('ns'), 0);
      await store.close();
    });

    it('closes the client it created from a url, and its subscriber connection', async () => {
      assert.equal(await connections(admin, 1), 1);
      const store = new RedisSyncStore({ url: plain.url });
      const lock = new RedisSyncLock({ url: plain.url });
      await Promise.all([store.connect(), lock.connect()]);
      const subscription = await store.subscribe('ns', () => undefined);
      assert.equal(await connections(admin, 4), 4, 'admin, store, subscriber, lock');
      await subscription.unsubscribe();
      assert.equal(await connections(admin, 3), 3, 'the subscriber closes with its last subscription');
      await store.subscribe('ns', () => undefined);
      await Promise.all([store.close(), lock.close()]);
      assert.equal(await connections(admin, 1), 1);
      await assert.rejects(store.revision('ns'), SyncConnectionError);
      await assert.rejects(lock.current('ns'), SyncConnectionError);
    });

    it('never closes a client passed in, only the subscriber it duplicated', async () => {
      const client = new Redis(plain.url);
      const store = new RedisSyncStore({ client });
      const lock = new RedisSyncLock({ client });
      await store.subscribe('one', () => undefined);
      await store.subscribe('two', () => undefined);
      assert.equal(await connections(admin, 3), 3, 'admin, client, one shared subscriber');
      await Promise.all([store.close(), lock.close()]);
      assert.equal(await connections(admin, 2), 2);
      assert.equal(client.status, 'ready');
      assert.equal(await client.ping(), 'PONG');
      await client.quit();
    });
  });
});
