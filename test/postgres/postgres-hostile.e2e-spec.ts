import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { SyncService } from '../../lib/index.js';
import { PostgresSyncLock, PostgresSyncStore } from '../../lib/backends/postgres/index.js';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { POSTGRES_URL, postgresSkip } from '../support/services.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';

const skip = await postgresSkip();

describe('PostgreSQL: hostile rows and credentials', { skip, timeout: 30_000 }, () => {
  const schema = `vsync_hostile_${randomBytes(4).toString('hex')}`;
  const password = 'Pg-S3cret-pass';
  // Trust auth ignores the password, so it can sit in the URL to prove it never leaks.
  const url = POSTGRES_URL.replace('postgres@', `postgres:${password}@`);
  const source = new VersionedSource();
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  const apps: SyncTestApp[] = [];
  let services: SyncService[] = [];
  // A serializer of our own puts the data in bytea, where bytes can be truncated behind the module's back.
  const serializer = {
    encode: (data: unknown) => Buffer.from(JSON.stringify(data)),
    decode: (raw: Buffer) => JSON.parse(raw.toString('utf8')),
  };

  before(async () => {
    await admin.connect();
    for (let i = 0; i < 2; i++) {
      const options = { connectionString: url, schema };
      const store = new PostgresSyncStore({ ...options, serializer });
      apps.push(
        await createSyncApp(
          { interval: 50, leaseTtl: 1_000, name: 'hostile', store, lock: new PostgresSyncLock(options) },
          [taskFor('t', source)],
        ),
      );
    }
    services = apps.map(({ app }) => app.get(SyncService));
    await Promise.all(services.map((s) => s.whenReady(undefined, { timeout: 5_000 })));
  });
  after(async () => {
    for (const { app } of apps) await app.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  const table = () => `"${schema}"."sync_snapshots"`;

  it('truncated bytes announced as a new write: followers keep their data and report the tag; the next version heals', async () => {
    const follower = services.find((s) => !s.isLeader())!;
    const before = follower.getData('t');
    await admin.query(
      `UPDATE ${table()} SET data_bytes = substring(data_bytes from 1 for 10), revision = revision + 1000 WHERE tag = 't'`,
    );
    await admin.query(`UPDATE "${schema}"."sync_revisions" SET revision = revision + 1000`);
    await waitFor(() => follower.status()[0].consecutiveFailures > 0, 3_000, 'the failed decode');
    assert.equal(follower.getData('t'), before);
    assert.match(follower.status()[0].lastError?.message ?? '', /JSON/);
    source.version = 2;
    await waitFor(() => services.every((s) => s.getVersion('t') === 2), 3_000, 'recovery at version 2');
  });

  it('a foreign fence far above any real one: writes refused and logged, data kept, recovery once it is gone', async () => {
    await admin.query(`UPDATE ${table()} SET fence = 9000000000000000 WHERE tag = 't'`);
    source.version = 3;
    await waitFor(
      () => apps.some((a) => a.logs.find('warn', 'refused a write with fence').length > 0),
      3_000,
      'the refusal logged',
    );
    assert.ok(
      services.every((s) => s.getVersion('t') === 2),
      'nobody serves data it could not store',
    );
    await admin.query(`DELETE FROM ${table()} WHERE tag = 't'`);
    await waitFor(() => services.every((s) => s.getVersion('t') === 3), 5_000, 'recovery');
  });

  it('never shows the password in logs, errors, status or health, even when its connections are cut', async () => {
    for (let round = 0; round < 3; round++) {
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'nestjs-version-sync:%' AND application_name LIKE $1`,
        [`%${schema}`],
      );
      await new Promise((r) => setTimeout(r, 150));
    }
    const seen = [
      JSON.stringify(services.map((s) => s.status())),
      ...apps.flatMap(({ logs }) => logs.lines.map((l) => l.message)),
    ].join('\n');
    assert.match(seen, /postgres:\*\*\*@127\.0\.0\.1/, 'the errors name the server, password redacted');
    assert.ok(!seen.includes(password), 'the password leaked');
  });
});
