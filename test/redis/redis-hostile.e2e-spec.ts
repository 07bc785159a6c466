import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { SyncHealthIndicator, SyncService } from '../../lib/index.js';
import { RedisSyncLock, RedisSyncStore } from '../../lib/backends/redis/index.js';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { REDIS_URL, redisSkip, redisServerSkip } from '../support/services.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { RedisServer } from '../support/redis.server.js';
import { deleteKeys, testPrefix } from './redis-test.util.js';

const skip = (await redisSkip()) || (await redisServerSkip());

describe("Redis: records corrupted behind the module's back", { skip, timeout: 30_000 }, () => {
  const keyPrefix = testPrefix();
  const name = 'hostile';
  const record = `${keyPrefix}:{${keyPrefix}:${name}}:record:t`;
  const revision = `${keyPrefix}:{${keyPrefix}:${name}}:revision`;
  const source = new VersionedSource();
  const apps: SyncTestApp[] = [];
  let admin: Redis;
  let leader: SyncService;
  let follower: SyncService;

  before(async () => {
    admin = new Redis(REDIS_URL);
    for (let i = 0; i < 2; i++) {
      const options = { url: REDIS_URL, keyPrefix };
      apps.push(
        await createSyncApp(
          { interval: 50, leaseTtl: 1_000, name, store: new RedisSyncStore(options), lock: new RedisSyncLock(options) },
          [taskFor('t', source)],
        ),
      );
    }
    const services = apps.map(({ app }) => app.get(SyncService));
    await Promise.all(services.map((s) => s.whenReady(undefined, { timeout: 5_000 })));
    [leader, follower] = services[0].isLeader() ? services : [services[1], services[0]];
  });
  after(async () => {
    for (const { app } of apps) await app.close();
    admin.disconnect();
    await deleteKeys(REDIS_URL, keyPrefix);
  });

  it('truncated JSON announced as a new write: the follower keeps its data, reports the tag, recovers with the next version', async () => {
    const before = follower.getData('t');
    await admin.hset(record, 'data', '{"version":1,"ite', 'revision', String(2 ** 52));
    await admin.set(revision, String(2 ** 52));
    await waitFor(() => follower.status()[0].consecutiveFailures > 0, 3_000, 'the failed decode');
    assert.equal(follower.getData('t'), before, 'same replica, untouched');
    assert.match(follower.status()[0].lastError?.message ?? '', /"t".*JSON/s);
    const health = (
      await apps
        .find((a) => a.app.get(SyncService) === follower)!
        .app.get(SyncHealthIndicator)
        .isHealthy()
    ).sync as unknown as {
      tasks: { t: { lastError?: string } };
    };
    assert.match(health.tasks.t.lastError ?? '', /JSON/);
    source.version = 2;
    await waitFor(
      () => follower.getVersion('t') === 2 && follower.status()[0].consecutiveFailures === 0,
      3_000,
      'recovery at version 2',
    );
  });

  it('truncated JSON met by a process that starts: no data and health down for that tag, no crash, then recovery', async () => {
    await admin.hset(record, 'data', '{"version":2,"ite');
    const options = { url: REDIS_URL, keyPrefix };
    const late = await createSyncApp(
      { interval: 50, leaseTtl: 1_000, name, store: new RedisSyncStore(options), lock: new RedisSyncLock(options) },
      [taskFor('t', source)],
    );
    apps.push(late);
    const sync = late.app.get(SyncService);
    assert.equal(sync.getData('t'), undefined);
    assert.match(sync.status()[0].lastError?.message ?? '', /JSON/);
    assert.equal(((await late.app.get(SyncHealthIndicator).isHealthy()).sync as { status: string }).status, 'down');
    source.version = 3;
    await waitFor(() => sync.getVersion('t') === 3, 3_000, 'the late process at version 3');
  });

  for (const [field, value] of [
    ['vtype', 'x'],
    ['fence', 'not-a-number'],
    ['revision', 'abc'],
  ] as const) {
    it(`a wrong ${field} (${JSON.stringify(value)}): reported per tag, and the leader rewrites the record`, async () => {
      const version = follower.getVersion('t');
      const failures = () => leader.status()[0].failures + follower.status()[0].failures;
      const before = failures();
      await admin.hset(record, field, value);
      await admin.incr(revision);
      await waitFor(() => failures() > before, 3_000, 'the corruption noticed');
      await waitFor(
        () => follower.getVersion('t') === version && leader.getVersion('t') === version,
        3_000,
        'both still serving',
      );
      const repaired = async () => (await admin.hget(record, field)) !== value;
      await waitFor(repaired, 3_000, `the leader rewriting ${field}`, { every: 20 });
    });
  }

  it("a record deleted behind the module's back, version unchanged: the leader writes it again", async () => {
    const version = leader.getVersion('t');
    await admin.del(record);
    await waitFor(async () => (await admin.exists(record)) === 1, 3_000, 'the record rewritten', { every: 20 });
    assert.equal(await admin.hget(record, 'version'), String(version));
  });

  it('a foreign fence far above any real one: writes are refused, logged, the data kept, nothing crashes', async () => {
    const version = follower.getVersion('t');
    await admin.hset(record, 'fence', '9000000000000000');
    source.version = 'after-foreign-fence';
    await waitFor(
      () => apps.some((a) => a.logs.find('warn', 'refused a write with fence').length > 0),
      3_000,
      'the refusal logged',
    );
    assert.equal(follower.getVersion('t'), version, 'no process serves data it could not store');
    assert.equal(await admin.hget(record, 'fence'), '9000000000000000');
    await admin.del(record);
    await waitFor(
      () => follower.getVersion('t') === 'after-foreign-fence',
      5_000,
      'recovery once the foreign record is gone',
    );
  });
});

describe('Redis: credentials never appear in logs, errors, status or health', { skip, timeout: 30_000 }, () => {
  let server: RedisServer | undefined;
  let booted: SyncTestApp | undefined;
  after(async () => {
    await booted?.app.close();
    await server?.dispose();
  });

  it('keeps the password out while Redis is down', async () => {
    const password = 'S3cret-Pa55word';
    server = await RedisServer.start({ password });
    const options = { url: server.url, keyPrefix: testPrefix(), timeout: 300 };
    booted = await createSyncApp(
      { interval: 50, leaseTtl: 600, store: new RedisSyncStore(options), lock: new RedisSyncLock(options) },
      [taskFor('t', new VersionedSource())],
    );
    const sync = booted.app.get(SyncService);
    await sync.whenReady(undefined, { timeout: 5_000 });
    await server.stop();
    await waitFor(() => sync.status()[0].failures > 0 && !sync.isLeader(), 5_000, 'failures while down');
    const health = await booted.app.get(SyncHealthIndicator).isHealthy();
    const seen = [
      JSON.stringify(sync.status()),
      JSON.stringify(health),
      ...booted.logs.lines.map((l) => l.message),
    ].join('\n');
    assert.match(seen, /127\.0\.0\.1/, 'the errors do name the server');
    assert.ok(!seen.includes(password), 'the password leaked');
  });
});
