import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { MemorySyncLock, MemorySyncStore, SyncAction, SyncService, SyncTask } from '../../lib/index.js';
import { prometheusMeterProvider } from '../../lib/prometheus/index.js';
import { createSyncApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';

let version = 1;

@Injectable()
class PricesTask {
  @SyncTask('prices')
  fetch(action: SyncAction) {
    return action === SyncAction.VERSION ? version : { list: [version] };
  }
}

describe('Prometheus adapter (prom-client)', () => {
  const apps: INestApplication[] = [];
  const registry = new Registry();
  const name = `prom-${randomUUID().slice(0, 8)}`;
  const store = new MemorySyncStore();
  const lock = new MemorySyncLock();
  const boot = async () => {
    // A provider per app, on one registry: what several modules or a hot reload do.
    const telemetry = { meterProvider: prometheusMeterProvider(registry) };
    const { app } = await createSyncApp({ interval: 30, leaseTtl: 300, name, store, lock, telemetry }, [PricesTask]);
    apps.push(app);
    return app;
  };

  after(async () => {
    for (const app of apps) await app.close();
  });

  it('exposes the series with Prometheus names and types; a second and a reloaded module on one registry do not throw', async () => {
    const first = await boot();
    await waitFor(() => first.get(SyncService).getVersion('prices') === 1, 3_000, 'v1');
    const second = await boot();
    await waitFor(() => second.get(SyncService).getVersion('prices') === 1, 3_000, 'v1 on the second app');
    version = 2;
    await waitFor(() => second.get(SyncService).getVersion('prices') === 2, 3_000, 'v2 on the second app');

    const text = await registry.metrics();
    const types: Record<string, string> = {
      sync_check_duration_seconds: 'histogram',
      sync_callback_duration_seconds: 'histogram',
      sync_data_size_bytes: 'histogram',
      sync_propagation_delay_seconds: 'histogram',
      sync_changes_total: 'counter',
      sync_failures_total: 'counter',
      sync_writes_fenced_total: 'counter',
      sync_leadership_acquisitions_total: 'counter',
      sync_leadership_losses_total: 'counter',
      sync_lease_renewal_failures_total: 'counter',
      sync_leader: 'gauge',
      sync_replica_age_seconds: 'gauge',
    };
    for (const [metric, type] of Object.entries(types))
      assert.match(text, new RegExp(`^# TYPE ${metric} ${type}$`, 'm'));
    const labels = `sync_namespace="${name}",sync_backend="memory"`;
    assert.match(text, new RegExp(`^sync_changes_total\\{${labels},sync_task="prices"\\} 2$`, 'm'));
    assert.match(text, new RegExp(`^sync_leader\\{${labels}\\} 1$`, 'm'));
    assert.match(text, /^sync_check_duration_seconds_bucket\{le="0.001",.*sync_outcome="changed"\} \d+$/m);
    assert.match(text, /^sync_propagation_delay_seconds_count\{.*sync_task="prices"\} [1-9]\d*$/m);
    assert.match(text, /^sync_replica_age_seconds\{.*sync_task="prices"\} [\d.e-]+$/m);

    // Hot reload: the first module goes away, a new one registers the same series again.
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    const reloaded = await boot();
    await waitFor(() => reloaded.get(SyncService).getVersion('prices') === 2, 3_000, 'v2 on the reloaded app');
    const leads = (app: INestApplication) => app.get(SyncService).isLeader();
    await waitFor(() => leads(second) || leads(reloaded), 3_000, 'a live app takes over');
    const after = await registry.metrics();
    // One series per label set: two modules of one process on one namespace give the larger value (leads at all).
    assert.equal(after.match(/^sync_leader\{/gm)?.length, 1);
    assert.match(after, new RegExp(`^sync_leader\\{${labels}\\} 1$`, 'm'));
    assert.equal(registry.getMetricsAsArray().length, Object.keys(types).length);
  });

  it('refuses, with a message that says what to do, a registry holding one of its names with another type', () => {
    const taken = new Registry();
    new Gauge({ name: 'sync_changes_total', help: 'not ours', registers: [taken] });
    const meter = prometheusMeterProvider(taken).getMeter('x') as { createCounter(name: string, o: object): unknown };
    assert.throws(() => meter.createCounter('sync.changes', { unit: '{change}' }), /another type.*registry of its own/);
  });
});
