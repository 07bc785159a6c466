import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { MemorySyncLock, MemorySyncStore, SyncAction, SyncService, SyncTask } from '../../lib/index.js';
import type { SyncLease } from '../../lib/backend/index.js';
import { SyncLeaseKeeper } from '../../lib/engine/lease.keeper.js';
import { SYNC_METRICS, SYNC_SPANS } from '../../lib/engine/telemetry/telemetry.names.js';
import { SyncTelemetry } from '../../lib/engine/telemetry/sync.telemetry.js';
import { createSyncApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { TestOtel } from './otel.support.js';

/** The source both apps read: a version, and a one-shot failure of VERSION. */
const source = { version: 1, failOnce: false };

@Injectable()
class FlagsTask {
  @SyncTask('flags')
  fetch(action: SyncAction) {
    if (action === SyncAction.VERSION && source.failOnce) {
      source.failOnce = false;
      throw new Error('source down');
    }
    return action === SyncAction.VERSION ? source.version : { secret: `value-${source.version}` };
  }
}

/** A memory lock that refuses one holder (renewals and acquisitions): a takeover without killing anything. */
class RefusingLock extends MemorySyncLock {
  refused: string | undefined;
  override acquire(name: string, holder: string, ttl: number): Promise<SyncLease | undefined> {
    return holder === this.refused ? Promise.resolve(undefined) : super.acquire(name, holder, ttl);
  }
  override renew(lease: SyncLease, ttl: number): Promise<boolean> {
    return lease.holder === this.refused ? Promise.resolve(false) : super.renew(lease, ttl);
  }
}

describe('OpenTelemetry metrics and spans (2 changes, 1 failure, 1 takeover)', () => {
  const store = new MemorySyncStore();
  const lock = new RefusingLock();
  const name = `otel-${randomUUID().slice(0, 8)}`;
  const otelA = new TestOtel();
  const otelB = new TestOtel();
  const apps: INestApplication[] = [];
  const boot = async (otel: TestOtel) => {
    const { app } = await createSyncApp({ interval: 40, leaseTtl: 300, name, store, lock, telemetry: otel }, [
      FlagsTask,
    ]);
    apps.push(app);
    return app;
  };

  after(async () => {
    for (const app of apps) await app.close();
    await otelA.shutdown();
    await otelB.shutdown();
  });

  it('records the sequence with the right names, units, attributes, counts and span links', async () => {
    const a = await boot(otelA);
    const syncA = a.get(SyncService);
    await waitFor(() => syncA.isLeader() && syncA.getVersion('flags') === 1, 3_000, 'A leads with v1');
    const b = await boot(otelB);
    const syncB = b.get(SyncService);
    await waitFor(() => syncB.getVersion('flags') === 1, 3_000, 'B follows v1');

    source.version = 2; // change 2 (the first write of v1 was change 1)
    await waitFor(() => syncB.getVersion('flags') === 2, 3_000, 'B installs v2');
    source.failOnce = true; // failure 1
    const recovered = () => syncA.status()[0].failures === 1 && syncA.status()[0].consecutiveFailures === 0;
    await waitFor(recovered, 3_000, 'one failed check, then an unchanged one');

    lock.refused = a.get(SyncLeaseKeeper).holder; // takeover 1
    await waitFor(() => syncB.isLeader() && !syncA.isLeader(), 5_000, 'B takes over');
    await waitFor(async () => (await otelB.total('sync.check.duration')) > 0, 3_000, 'B checks');

    const base = { 'sync.namespace': name, 'sync.backend': 'memory' };
    const task = { ...base, 'sync.task': 'flags' };
    const metrics = await otelA.metrics();
    // The SDK exports only metrics with points: A never followed a change, was never fenced, and no renewal threw.
    const idle = [SYNC_METRICS.propagationDelay, SYNC_METRICS.fencedWrites, SYNC_METRICS.renewFailures];
    for (const spec of Object.values(SYNC_METRICS)) {
      if (idle.some((i) => i.name === spec.name)) continue;
      const metric = metrics.get(spec.name);
      assert.ok(metric, `A exports ${spec.name}`);
      assert.equal(metric.descriptor.unit, spec.unit, `unit of ${spec.name}`);
    }
    assert.equal(await otelA.total('sync.changes', task), 2);
    assert.equal(await otelA.total('sync.failures', { ...task, 'sync.outcome': 'callback' }), 1);
    assert.equal(await otelA.total('sync.failures'), 1);
    assert.equal(await otelA.total('sync.leadership.acquisitions', base), 1);
    assert.equal(await otelA.total('sync.leadership.losses', base), 1);
    assert.equal(await otelA.total('sync.leader', base), 0);
    assert.equal(await otelA.total('sync.check.duration', { ...task, 'sync.outcome': 'changed' }), 2);
    assert.equal(await otelA.total('sync.check.duration', { ...task, 'sync.outcome': 'failed' }), 1);
    assert.ok((await otelA.total('sync.check.duration', { ...task, 'sync.outcome': 'unchanged' })) > 0);
    const callbacks = await otelA.points('sync.callback.duration');
    assert.equal(
      callbacks.filter((p) => p.attributes['sync.action'] === 'version' && p.attributes['sync.outcome'] === 'error')[0]
        ?.count,
      1,
    );
    assert.equal(
      callbacks.filter((p) => p.attributes['sync.action'] === 'data').reduce((n, p) => n + p.value, 0),
      2,
      'DATA called once per change',
    );
    const sizes = await otelA.points('sync.data.size');
    assert.equal(sizes[0].count, 2);
    assert.equal(sizes[0].sum, 2 * JSON.stringify({ secret: 'value-1' }).length);

    assert.equal(await otelB.total('sync.leadership.acquisitions', base), 1);
    assert.equal(await otelB.total('sync.leader', base), 1);
    assert.equal(await otelB.total('sync.changes'), 0, 'the new leader does not rewrite an unchanged version');
    assert.equal(await otelB.total('sync.propagation.delay', task), 2, 'B installed v1 and v2 from the store');
    const ages = await otelB.points('sync.replica.age');
    assert.equal(ages.length, 1);
    assert.ok(ages[0].value >= 0 && ages[0].value < 5, `replica age ${ages[0].value}`);

    // Bounded attributes only: no version, data, instance id or error text anywhere.
    const allowed = new Set(['sync.namespace', 'sync.backend', 'sync.task', 'sync.outcome', 'sync.action']);
    for (const metric of [...metrics.values(), ...(await otelB.metrics()).values()]) {
      for (const point of metric.dataPoints) {
        for (const key of Object.keys(point.attributes))
          assert.ok(allowed.has(key), `${metric.descriptor.name}: ${key}`);
        assert.ok(!JSON.stringify(point.attributes).includes('value-'), 'no data in attributes');
      }
    }

    // Spans: each check has child spans for its steps; B's install of v2 links to A's check that wrote it.
    const checks = otelA.finishedSpans(SYNC_SPANS.check);
    const changed = checks.filter((s) => s.attributes['sync.outcome'] === 'changed');
    assert.equal(changed.length, 2);
    const children = (parent: (typeof checks)[number]) =>
      otelA.finishedSpans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
    assert.deepEqual(
      children(changed[1]).map((s) => s.name),
      [SYNC_SPANS.version, SYNC_SPANS.data, SYNC_SPANS.write],
    );
    const failed = checks.find((s) => s.attributes['sync.outcome'] === 'failed')!;
    assert.equal(failed.status.code, 2);
    const installs = otelB.finishedSpans(SYNC_SPANS.install);
    const v2 = installs.find((s) => s.links.length === 1);
    assert.ok(v2, `an install span linked to the leader (installs: ${installs.length})`);
    assert.equal(v2.links[0].context.spanId, changed[1].spanContext().spanId);
    assert.equal(v2.links[0].context.traceId, changed[1].spanContext().traceId);
  });

  it('stays off with the API but no SDK registered, and with telemetry: false', async () => {
    for (const telemetry of [undefined, false as const]) {
      const { app } = await createSyncApp({ interval: 1_000, name: `off-${randomUUID()}`, telemetry }, [FlagsTask]);
      apps.push(app);
      assert.equal(app.get(SyncTelemetry).enabled, false, String(telemetry));
    }
    assert.equal(apps[0].get(SyncTelemetry).enabled, true, 'on with the providers given');
  });
});
