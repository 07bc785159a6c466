import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import { Injectable, type Type } from '@nestjs/common';
import * as v from 'valibot';
import { z } from 'zod';
import {
  defineSyncTask,
  InvalidSyncResultError,
  MemorySyncLock,
  MemorySyncStore,
  SyncHealthIndicator,
  SyncService,
  SyncTask,
  type StandardSchemaV1,
  type SyncAction,
  type SyncContext,
  type SyncSnapshot,
  type SyncTaskToken,
} from '../../lib/index.js';
import { checkSchema } from '../../lib/engine/schema.check.js';
import type { SyncTaskDefinition } from '../../lib/sync.registry.js';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { VersionedSource } from '../support/task-classes.js';
import { waitFor } from '../support/wait-for.js';

/** The same three schemas in each validator library. */
const LIBRARIES = {
  zod: {
    flags: () => z.object({ darkMode: z.boolean(), rollout: z.array(z.string()) }),
    transform: () => z.object({ rollout: z.string() }).transform(({ rollout }) => ({ regions: rollout.split(',') })),
    async: () =>
      z.object({ darkMode: z.boolean(), rollout: z.array(z.string()) }).refine(
        async (flags) => {
          await sleep(5);
          return !flags.rollout.includes('blocked');
        },
        { message: 'blocked region' },
      ),
  },
  valibot: {
    flags: () => v.object({ darkMode: v.boolean(), rollout: v.array(v.string()) }),
    transform: () =>
      v.pipe(
        v.object({ rollout: v.string() }),
        v.transform(({ rollout }) => ({ regions: rollout.split(',') })),
      ),
    async: () =>
      v.pipeAsync(
        v.object({ darkMode: v.boolean(), rollout: v.array(v.string()) }),
        v.checkAsync(async (flags) => {
          await sleep(5);
          return !flags.rollout.includes('blocked');
        }, 'blocked region'),
      ),
  },
};

/** A provider whose `@SyncTask(token)` returns `source.version` and `source.data`. */
function tokenTask(token: SyncTaskToken<unknown, unknown>, source: VersionedSource): Type<unknown> {
  @Injectable()
  class TokenTask {
    @SyncTask(token)
    fetch(action: SyncAction, ctx: SyncContext) {
      return source.handle(action, ctx);
    }
  }
  return TokenTask;
}

/** A source whose DATA the test sets. */
function sourceOf(data: unknown): VersionedSource & { data: unknown } {
  const source = Object.assign(new VersionedSource(), { data });
  source.behaviour = (action) => (action === 'version' ? source.version : source.data);
  return source;
}

/** `schema` with a count of its validate() calls. */
function counted<S extends StandardSchemaV1>(schema: S): S & { calls: number } {
  const wrapper = {
    calls: 0,
    '~standard': {
      ...schema['~standard'],
      validate: (value: unknown) => {
        wrapper.calls++;
        return schema['~standard'].validate(value);
      },
    },
  };
  return wrapper as unknown as S & { calls: number };
}

/** The flags shape, checked independently of the library under test. */
const isFlags = (data: unknown) =>
  z.object({ darkMode: z.boolean(), rollout: z.array(z.string()) }).safeParse(data).success;

/** Every snapshot readers were handed is valid flags. */
function assertAllValid(seen: readonly SyncSnapshot[]): void {
  assert.ok(seen.length > 0, 'readers got snapshots');
  for (const snapshot of seen) assert.ok(isFlags(snapshot.data), `a reader got ${JSON.stringify(snapshot.data)}`);
}

describe('validate, then swap (Standard Schema)', () => {
  const apps: SyncTestApp[] = [];
  afterEach(async () => {
    for (const { app } of apps.splice(0).reverse()) await app.close();
  });
  async function boot(...args: Parameters<typeof createSyncApp>) {
    const app = await createSyncApp(...args);
    apps.push(app);
    return app;
  }

  it('checkSchema() carries the validator issues in InvalidSyncResultError, and wraps a validator that throws', async () => {
    const schema = LIBRARIES.zod.flags();
    const task = { tag: 'flags', schema } as unknown as SyncTaskDefinition;
    const bad = { darkMode: 'yes', rollout: ['eu', 7] };
    await assert.rejects(
      checkSchema(task, bad, (issues) => `refused ${issues.length}`),
      (error: unknown) => {
        assert.ok(error instanceof InvalidSyncResultError);
        assert.equal(error.tag, 'flags');
        assert.equal(error.message, 'refused 2');
        assert.deepEqual(error.issues, schema.safeParse(bad).error?.issues);
        return true;
      },
    );
    const throwing = { '~standard': { version: 1, vendor: 'x', validate: () => assert.fail('kaboom') } };
    await assert.rejects(
      checkSchema({ tag: 't', schema: throwing } as unknown as SyncTaskDefinition, {}, () => ''),
      /schema of sync task "t" threw instead of returning issues: kaboom/,
    );
  });

  for (const [library, schemas] of Object.entries(LIBRARIES)) {
    describe(library, () => {
      it('leader: invalid DATA is not written nor installed; counted, logged once per streak, last good data kept', async () => {
        const Flags = defineSyncTask('flags', { schema: schemas.flags() });
        const store = new MemorySyncStore();
        const source = sourceOf({ darkMode: false, rollout: ['eu'] });
        const { app, logs } = await boot({ interval: 20, store }, [tokenTask(Flags, source)]);
        const sync = app.get(SyncService);
        const seen: SyncSnapshot[] = [];
        sync.changes(Flags).subscribe((s) => seen.push(s));
        await sync.whenReady([Flags], { timeout: 5_000 });
        const good = sync.getData(Flags);

        source.version = 2;
        source.data = { darkMode: 'yes', rollout: 'eu' };
        await waitFor(() => sync.status()[0].failures >= 3, 5_000, 'three refused checks');
        const [status] = sync.status();
        assert.equal(status.lastError?.name, 'InvalidSyncResultError');
        assert.match(
          status.lastError!.message,
          /"flags" returned DATA for version 2 that fails its schema \(2 issues: /,
        );
        assert.match(status.lastError!.message, /darkMode: .*; rollout: /);
        assert.equal(sync.getData(Flags), good, 'readers keep the last good data');
        assert.equal(sync.getVersion(Flags), 1);
        assert.equal((await store.read('default', 'flags'))?.version, 1, 'nothing was written');
        assert.equal(logs.find('error', 'fails its schema').length, 1, 'logged once per streak');

        source.version = 3;
        source.data = { darkMode: true, rollout: ['eu', 'us'] };
        await waitFor(() => sync.getVersion(Flags) === 3, 5_000, 'the next valid version');
        assert.deepEqual(sync.getData(Flags), { darkMode: true, rollout: ['eu', 'us'] });
        assert.equal(logs.find('log', '"flags" recovered after').length, 1);
        assertAllValid(seen);
        assert.deepEqual([...new Set(seen.map((s) => s.version))].sort(), [1, 3], 'version 2 never reached a reader');
      });

      it('transform: the store holds the source data as sent; every process installs the schema output', async () => {
        const Regions = defineSyncTask('regions', { schema: schemas.transform() });
        const [store, lock] = [new MemorySyncStore(), new MemorySyncLock()];
        const source = sourceOf({ rollout: 'eu,us' });
        const leader = (await boot({ interval: 20, store, lock }, [tokenTask(Regions, source)])).app.get(SyncService);
        const follower = (await boot({ interval: 20, store, lock }, [tokenTask(Regions, source)])).app.get(SyncService);
        await leader.whenReady([Regions], { timeout: 5_000 });
        await follower.whenReady([Regions], { timeout: 5_000 });
        assert.ok(leader.isLeader() && !follower.isLeader());
        for (const sync of [leader, follower]) assert.deepEqual(sync.getData(Regions), { regions: ['eu', 'us'] });
        assert.deepEqual((await store.read('default', 'regions'))?.data, { rollout: 'eu,us' });
        assert.ok(Object.isFrozen(follower.getData(Regions)?.regions), 'the output is frozen like any data');
      });

      it('an async validator works on the leader and on a follower', async () => {
        const Flags = defineSyncTask('flags', { schema: schemas.async() });
        const [store, lock] = [new MemorySyncStore(), new MemorySyncLock()];
        const source = sourceOf({ darkMode: false, rollout: ['eu'] });
        const leader = (await boot({ interval: 20, store, lock }, [tokenTask(Flags, source)])).app.get(SyncService);
        const follower = (await boot({ interval: 20, store, lock }, [tokenTask(Flags, source)])).app.get(SyncService);
        await follower.whenReady([Flags], { timeout: 5_000 });
        source.version = 2;
        source.data = { darkMode: true, rollout: ['blocked'] };
        await waitFor(() => leader.status()[0].consecutiveFailures > 0, 5_000, 'the async refusal');
        assert.match(leader.status()[0].lastError!.message, /blocked region/);
        source.version = 3;
        source.data = { darkMode: true, rollout: ['us'] };
        await waitFor(() => follower.getVersion(Flags) === 3, 5_000, 'the follower installs version 3');
        assert.deepEqual(follower.getData(Flags), { darkMode: true, rollout: ['us'] });
      });

      it('follower: a record changed in the store is refused, reported, retried at each reconciliation, never read', async () => {
        const schema = counted(schemas.flags());
        const Flags = defineSyncTask('flags', { schema });
        const [store, lock] = [new MemorySyncStore(), new MemorySyncLock()];
        const source = sourceOf({ darkMode: false, rollout: ['eu'] });
        // The leader checks once a minute, so only the test writes to the store meanwhile.
        const leaderApp = await boot({ interval: 60_000, store, lock }, [tokenTask(Flags, source)]);
        const followerApp = await boot({ interval: 40, store, lock }, [tokenTask(Flags, source)]);
        const [leader, follower] = [leaderApp, followerApp].map(({ app }) => app.get(SyncService));
        const seen: SyncSnapshot[] = [];
        for (const sync of [leader, follower]) sync.changes(Flags).subscribe((s) => seen.push(s));
        await follower.whenReady([Flags], { timeout: 5_000 });
        assert.ok(leader.isLeader() && !follower.isLeader());
        const good = follower.getData(Flags);
        const { fence } = (await lock.current('default'))!;
        const write = (version: string, data: unknown) =>
          store.write('default', { tag: 'flags', version, data, modifiedAt: Date.now(), checkedAt: Date.now(), fence });

        await write('tampered', { darkMode: 'yes', rollout: ['eu'] });
        await waitFor(() => follower.status()[0].consecutiveFailures > 0, 5_000, 'the refusal');
        const refusedAt = schema.calls;
        await waitFor(() => schema.calls >= refusedAt + 3, 5_000, 'three more reads of the same record');
        const [status] = follower.status();
        assert.equal(status.lastError?.name, 'InvalidSyncResultError');
        assert.match(
          status.lastError!.message,
          /stored record of version 'tampered' fails the task's schema.*darkMode/,
        );
        assert.ok(status.failures >= 3, `each retry counted (${status.failures})`);
        assert.equal(follower.getData(Flags), good, 'the last good replica stays');
        assert.equal(follower.getVersion(Flags), 1);
        // Nest's static logger sends both apps' lines to the last one's logger: one line per process, not per retry.
        assert.ok(leader.status()[0].consecutiveFailures > 0, "the leader's own replicator refused it too");
        assert.equal(followerApp.logs.find('error', "fails the task's schema").length, 2, 'logged once per streak');
        const health = await followerApp.app.get(SyncHealthIndicator).isHealthy('sync', { tags: [Flags] });
        assert.match(health.sync.tasks!.flags.lastError!, /fails the task's schema/);
        assert.ok(health.sync.tasks!.flags.consecutiveFailures >= 3);

        await write('fixed', { darkMode: true, rollout: ['eu'] });
        await waitFor(() => follower.getVersion(Flags) === 'fixed', 5_000, 'the valid record');
        assert.deepEqual(follower.getData(Flags), { darkMode: true, rollout: ['eu'] });
        assert.equal(follower.status()[0].consecutiveFailures, 0);
        assert.equal(followerApp.logs.find('log', 'the stored snapshot reads again').length, 2, 'one per process');
        assertAllValid(seen);
        assert.deepEqual(
          seen.filter((s) => s.version !== 1).map((s) => s.version),
          ['fixed', 'fixed'],
          "'tampered' never reached a reader; 'fixed' reached both processes",
        );
      });
    });
  }
});
