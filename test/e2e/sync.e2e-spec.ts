import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get, Param, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { SyncAction, SyncHealthIndicator, SyncService } from '../../lib/index.js';
import { createSyncApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';

@Controller()
class ReadController {
  constructor(
    private readonly sync: SyncService,
    private readonly health: HealthCheckService,
    private readonly indicator: SyncHealthIndicator,
  ) {}

  @Get('data/:tag') data(@Param('tag') tag: string) {
    return this.sync.getSnapshot(tag) ?? {};
  }

  @Get('sync') status() {
    return this.sync.status();
  }

  @Get('health') @HealthCheck() check() {
    return this.health.check([() => this.indicator.isHealthy()]);
  }
}

type Status = { tag: string; version: unknown; modifiedAt: string; lastCheckedAt: string }[];

describe('e2e: a real Nest app over HTTP (lua-resty-sync scenarios)', () => {
  const a = new VersionedSource();
  const b = new VersionedSource();
  let app: INestApplication;
  let base: string;
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;

  before(async () => {
    b.version = 'x';
    ({ app } = await createSyncApp({ interval: 20 }, [taskFor('a', a), taskFor('b', b)], {
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [ReadController],
    }));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    await app.get(SyncService).whenReady(undefined, { timeout: 2_000 });
  });
  after(() => app.close());

  it('two tasks advance independently; each version fetches DATA once', async () => {
    assert.deepEqual(await get('/data/a'), await get('/data/a'));
    assert.equal((await get<{ version: unknown }>('/data/a')).version, 1);
    assert.equal((await get<{ version: unknown }>('/data/b')).version, 'x');
    a.version = 2;
    await waitFor(() => app.get(SyncService).getVersion('a') === 2, 2_000, 'a@2');
    a.version = 3;
    b.version = 'y';
    await waitFor(
      () => app.get(SyncService).getVersion('a') === 3 && app.get(SyncService).getVersion('b') === 'y',
      2_000,
      'a@3 b@y',
    );
    const dataA = await get<{ version: number; data: { version: number; items: string[] } }>('/data/a');
    assert.deepEqual(dataA.data, { version: 3, items: ['item-3'] });
    assert.equal((await get<{ data: { version: string } }>('/data/b')).data.version, 'y');
    assert.equal(a.count(SyncAction.DATA), 3);
    assert.equal(b.count(SyncAction.DATA), 2);
  });

  it('an unchanged version calls no DATA; modifiedAt stays while lastCheckedAt moves', async () => {
    const before = (await get<Status>('/sync')).find((s) => s.tag === 'a')!;
    const dataCalls = a.count(SyncAction.DATA);
    const versionCalls = a.count(SyncAction.VERSION);
    await waitFor(() => a.count(SyncAction.VERSION) >= versionCalls + 4, 2_000, 'four more checks');
    const later = (await get<Status>('/sync')).find((s) => s.tag === 'a')!;
    assert.equal(a.count(SyncAction.DATA), dataCalls);
    assert.equal(later.modifiedAt, before.modifiedAt);
    assert.ok(Date.parse(later.lastCheckedAt) > Date.parse(before.lastCheckedAt));
    assert.equal((await get<{ status: string }>('/health')).status, 'ok');
  });

  it("a reader never sees a version paired with another version's data (hammered while versions change)", async () => {
    const sync = app.get(SyncService);
    let changing = true;
    const changer = (async () => {
      for (let v = 100; v < 130; v++) {
        a.version = v;
        await sleep(7);
      }
      changing = false;
    })();
    const seen = new Set<unknown>();
    let reads = 0;
    while (changing) {
      for (let i = 0; i < 1_000; i++) {
        const snapshot = sync.getSnapshot<{ version: unknown; items: string[] }>('a')!;
        reads++;
        if (snapshot.data.version !== snapshot.version || snapshot.data.items[0] !== `item-${snapshot.version}`) {
          assert.fail(`torn read: version ${String(snapshot.version)} with data of ${String(snapshot.data.version)}`);
        }
        seen.add(snapshot.version);
      }
      const overHttp = await get<{ version: unknown; data: { version: unknown } }>('/data/a');
      assert.equal(overHttp.data.version, overHttp.version);
      await sleep(1);
    }
    await changer;
    assert.ok(seen.size > 5, `only ${seen.size} versions seen in ${reads} reads`);
  });
});

describe('e2e: two SyncModule apps in one process sharing a MemorySyncStore + MemorySyncLock', () => {
  it('exactly one leads; closing it hands over within one interval; the follower sees every version', async (t) => {
    const { MemorySyncStore, MemorySyncLock } = await import('../../lib/index.js');
    const store = new MemorySyncStore();
    const lock = new MemorySyncLock();
    const source = new VersionedSource();
    const interval = 200;
    const one = await createSyncApp({ interval, store, lock }, [taskFor('t', source)]);
    const two = await createSyncApp({ interval, store, lock }, [taskFor('t', source)]);
    const [s1, s2] = [one.app.get(SyncService), two.app.get(SyncService)];
    try {
      await s2.whenReady(undefined, { timeout: 2_000 });
      assert.equal([s1.isLeader(), s2.isLeader()].filter(Boolean).length, 1, 'exactly one leader');
      const [leader, follower] = s1.isLeader() ? [one, two] : [two, one];
      const followerSync = follower.app.get(SyncService);
      const seen: unknown[] = [followerSync.getVersion('t')];
      const subscription = followerSync.changes('t').subscribe((s) => seen.push(s.version));
      for (const v of [2, 3]) {
        source.version = v;
        await waitFor(() => followerSync.getVersion('t') === v, interval * 3, `follower at ${v}`);
      }
      const closedAt = Date.now();
      await leader.app.close();
      await waitFor(() => followerSync.isLeader(), interval + 100, 'the follower to lead within one interval');
      const handover = Date.now() - closedAt;
      for (const v of [4, 5]) {
        source.version = v;
        await waitFor(() => followerSync.getVersion('t') === v, interval * 3, `new leader at ${v}`);
      }
      subscription.unsubscribe();
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      assert.equal(source.count(SyncAction.DATA), 5, 'no refetch at takeover: one DATA per version');
      t.diagnostic(`handover after close: ${handover} ms (interval ${interval} ms)`);
    } finally {
      await one.app.close();
      await two.app.close();
    }
  });

  it('refresh() on the follower is forwarded to the leader', async () => {
    const { MemorySyncStore, MemorySyncLock } = await import('../../lib/index.js');
    const store = new MemorySyncStore();
    const lock = new MemorySyncLock();
    const source = new VersionedSource();
    const one = await createSyncApp({ interval: 60_000, store, lock }, [taskFor('t', source)]);
    const two = await createSyncApp({ interval: 60_000, store, lock }, [taskFor('t', source)]);
    try {
      const follower = [one, two].map((x) => x.app.get(SyncService)).find((s) => !s.isLeader())!;
      await follower.whenReady(undefined, { timeout: 2_000 });
      source.version = 'fresh';
      const snapshot = await follower.refresh('t');
      assert.equal(snapshot?.version, 'fresh');
      assert.equal(follower.getVersion('t'), 'fresh');
    } finally {
      await one.app.close();
      await two.app.close();
    }
  });
});
