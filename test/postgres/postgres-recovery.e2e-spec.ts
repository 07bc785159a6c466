import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { SyncHealthIndicator, SyncService, type SyncSnapshot } from '../../lib/index.js';
import { PostgresSyncLock, PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { postgresSkip, POSTGRES_URL } from '../support/services.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';

const skip = await postgresSkip();

describe("PostgreSQL: pg_terminate_backend on the module's connections mid-run", { skip, timeout: 60_000 }, () => {
  const schema = `vsync_kill_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  const apps: SyncTestApp[] = [];
  after(async () => {
    for (const { app } of apps) await app.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  /** Terminates every connection the module opened for this schema (pools and LISTEN clients). */
  async function terminate(): Promise<number> {
    const { rows } = await admin.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
       WHERE application_name LIKE 'nestjs-version-sync:%' AND application_name LIKE $1`,
      [`%${schema}`],
    );
    return rows.length;
  }

  it('recovers by itself: every process sees every version, one leader, health up again', async (t) => {
    await admin.connect();
    const source = new VersionedSource();
    for (let i = 0; i < 2; i++) {
      const options = { connectionString: POSTGRES_URL, schema };
      apps.push(
        await createSyncApp(
          {
            interval: 100,
            leaseTtl: 1_000,
            store: new PostgresSyncStore(options),
            lock: new PostgresSyncLock(options),
          },
          [taskFor('t', source)],
        ),
      );
    }
    const services = apps.map(({ app }) => app.get(SyncService));
    const seen = services.map((sync) => {
      const versions: unknown[] = [sync.getVersion('t')];
      sync.changes('t').subscribe((s: SyncSnapshot) => versions.push(s.version));
      return versions;
    });
    await Promise.all(services.map((s) => s.whenReady(undefined, { timeout: 5_000 })));
    let killed = 0;
    for (const version of [2, 3, 4, 5]) {
      killed += await terminate();
      source.version = version;
      await waitFor(() => services.every((s) => s.getVersion('t') === version), 10_000, `both at ${version}`);
    }
    t.diagnostic(`terminated ${killed} backend connections over 4 rounds`);
    assert.ok(killed >= 8, `only ${killed} connections terminated`);
    await waitFor(() => services.filter((s) => s.isLeader()).length === 1, 5_000, 'one leader');
    for (const versions of seen)
      assert.deepEqual(
        versions.filter((v) => v !== undefined),
        [1, 2, 3, 4, 5],
      );
    const health = await apps[0].app.get(SyncHealthIndicator).isHealthy();
    assert.equal(health.sync.status, 'up', JSON.stringify(health));
  });
});
