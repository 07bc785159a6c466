import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { type CanActivate, type ExecutionContext, Injectable, type INestApplication } from '@nestjs/common';
import {
  MemorySyncLock,
  MemorySyncStore,
  SyncAction,
  SyncHealthIndicator,
  SyncService,
  SyncTask,
} from '../../lib/index.js';
import type { SyncHeartbeat } from '../../lib/backend/index.js';
import { SyncStatusModule } from '../../lib/status/index.js';
import { createSyncApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';

@Injectable()
class ConfigTask {
  @SyncTask('config')
  fetch(action: SyncAction) {
    return action === SyncAction.VERSION ? 'v2' : { secret: 'DATA-SECRET' };
  }
}

/** Lets a request through only with `x-admin: yes`: the README's example of protecting the page. */
@Injectable()
class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-admin'] === 'yes';
  }
}

describe('status page routes, guard, and the health maxLag option (one process, memory store)', () => {
  const store = new MemorySyncStore();
  const name = `status-${randomUUID().slice(0, 8)}`;
  let app: INestApplication;
  let base: string;

  after(async () => {
    await app?.close();
  });

  it('serves the page, its JSON and its event stream behind the guard; never the data', async () => {
    ({ app } = await createSyncApp(
      { interval: 50, name, store, lock: new MemorySyncLock() },
      [ConfigTask, AdminGuard],
      {
        imports: [SyncStatusModule.register({ path: '/ops/sync/', guard: AdminGuard })],
      },
    ));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/ops/sync`;
    await app.get(SyncService).whenReady();
    const admin = { headers: { 'x-admin': 'yes' } };

    assert.equal((await fetch(base)).status, 403);
    assert.equal((await fetch(`${base}/json`)).status, 403);
    const page = await fetch(base, admin);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.ok(!/<script[^>]+src=|<link[^>]+href=/i.test(html), 'self-contained: no external script or stylesheet');

    const json = (await (await fetch(`${base}/json`, admin)).json()) as {
      namespace: string;
      lease: { fence: number } | null;
      tasks: { tag: string; version: string }[];
      fleet: { self: boolean; tasks: { version: string }[] }[];
    };
    assert.equal(json.namespace, name);
    assert.ok(json.lease && json.lease.fence >= 1);
    assert.deepEqual(
      json.tasks.map((t) => [t.tag, t.version]),
      [['config', 'v2']],
    );
    assert.equal(json.fleet.length, 1);
    assert.equal(json.fleet[0].self, true);

    const controller = new AbortController();
    const events = await fetch(`${base}/events`, { ...admin, signal: controller.signal });
    assert.match(events.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = events.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    assert.match(first, /^data: \{"namespace":/m);
    for (const body of [html, JSON.stringify(json), first]) assert.ok(!body.includes('SECRET'), 'no data value');
  });

  it('health with maxLag goes down while an instance serves an older revision for longer than the bound', async () => {
    const health = app.get(SyncHealthIndicator);
    const sync = app.get(SyncService);
    const now = Date.now();
    const behind: SyncHeartbeat = {
      instance: 'behind:1:x',
      host: 'other',
      pid: 1,
      startedAt: now - 10_000,
      at: now,
      leader: false,
      tasks: { config: { version: 'v1', revision: 0, origin: 'live', installedAt: now - 10_000 } },
    };
    await store.heartbeat(name, behind, 60_000);
    await waitFor(async () => (await sync.fleet()).length === 2, 2_000, 'two instances in the fleet');
    const lagging = (await sync.fleet()).find((i) => i.instance === behind.instance)!.tasks[0];
    assert.equal(lagging.lagging, true);

    // A generous maxStaleness: this case is about lag, and a loaded machine can delay a 50 ms check past the
    // default (3 intervals).
    const up = await health.isHealthy('sync', { maxStaleness: 10_000 });
    assert.equal(up.sync.status, 'up', 'maxLag is opt-in');
    const lagged = { maxLag: 20, maxStaleness: 10_000 };
    await waitFor(async () => (await health.isHealthy('sync', lagged)).sync.status === 'down', 2_000, 'down');
    const down = await health.isHealthy('sync', lagged);
    assert.deepEqual(
      (down.sync.lagging as { instance: string; tag: string; version: string }[]).map((l) => [
        l.instance,
        l.tag,
        l.version,
      ]),
      [[behind.instance, 'config', 'v1']],
    );
    assert.equal((await health.isHealthy('sync', { maxLag: 60_000 })).sync.status, 'up', 'within the bound');
    await store.leave(name, behind.instance);
    assert.equal((await health.isHealthy('sync', { maxLag: 20 })).sync.status, 'up', 'gone once it left');
  });
});
