import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { firstValueFrom, take, toArray } from 'rxjs';
import { z } from 'zod';
import {
  defineSyncTask,
  DuplicateSyncTaskError,
  InvalidSyncTaskError,
  SyncAction,
  SyncHealthIndicator,
  SyncService,
  SyncTask,
  SyncTaskToken,
  type SyncContext,
} from '../../lib/index.js';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';

const Flags = defineSyncTask('flags', { schema: z.object({ darkMode: z.boolean(), version: z.number() }) });
const Rates = defineSyncTask<{ eur: number }>('rates');

@Injectable()
class FlagsSource {
  version = 1;

  @SyncTask(Flags)
  fetch(action: SyncAction, ctx: SyncContext) {
    assert.equal(ctx.tag, 'flags', 'the callback sees the tag');
    return action === SyncAction.VERSION ? this.version : { darkMode: this.version % 2 === 0, version: this.version };
  }
}

@Injectable()
class RatesSource {
  @SyncTask(Rates, { interval: 60_000 })
  fetch(action: SyncAction) {
    return action === SyncAction.VERSION ? 'r1' : { eur: 1.1 };
  }
}

describe('typed task handles: defineSyncTask()', () => {
  let current: SyncTestApp | undefined;
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
  });

  it('is a frozen token that prints as its tag and carries its schema', () => {
    assert.ok(Flags instanceof SyncTaskToken);
    assert.equal(Flags.tag, 'flags');
    assert.equal(`${Flags}`, 'flags');
    assert.equal(typeof Flags.schema?.['~standard'].validate, 'function');
    assert.equal(Rates.schema, undefined);
    assert.ok(Object.isFrozen(Flags));
  });

  it('is accepted wherever a tag is: @SyncTask, every SyncService method, health tags; plain tags keep working', async () => {
    current = await createSyncApp({ interval: 30 }, [
      FlagsSource,
      RatesSource,
      taskFor('plain', new VersionedSource()),
    ]);
    const sync = current.app.get(SyncService);
    await sync.whenReady([Flags, Rates, 'plain'], { timeout: 5_000 });
    assert.deepEqual(
      sync.status().map((s) => [s.tag, s.interval]),
      [
        ['flags', 30],
        ['rates', 60_000],
        ['plain', 30],
      ],
    );
    assert.deepEqual(sync.getData(Flags), { darkMode: false, version: 1 });
    assert.equal(sync.getData(Flags), sync.getData('flags'), 'the same replica by token and by tag');
    assert.equal(sync.getData(Rates)?.eur, 1.1);
    assert.equal(sync.getVersion(Flags), 1);
    assert.equal(sync.getLastModified(Flags)?.getTime(), sync.getLastModified('flags')?.getTime());
    assert.equal(sync.getSnapshot(Flags), sync.getSnapshot('flags'));
    assert.ok(sync.getData('plain'));

    const next = firstValueFrom(sync.changes(Flags).pipe(take(1), toArray()));
    current.app.get(FlagsSource).version = 2;
    const [snapshot] = await next;
    assert.deepEqual([snapshot.tag, snapshot.version, snapshot.data], ['flags', 2, { darkMode: true, version: 2 }]);
    current.app.get(FlagsSource).version = 3;
    assert.equal((await sync.refresh(Flags))?.version, 3);

    const health = await current.app.get(SyncHealthIndicator).isHealthy('typed', { tags: [Flags, Rates] });
    assert.equal(health.typed.status, 'up');
    assert.deepEqual(Object.keys(health.typed.tasks ?? {}), ['flags', 'rates']);
  });

  it('a token and a plain tag with the same tag are one task: a second method fails with DuplicateSyncTaskError', async () => {
    await assert.rejects(
      createSyncApp({ interval: 1_000 }, [FlagsSource, taskFor('flags', new VersionedSource())]),
      (error: unknown) =>
        error instanceof DuplicateSyncTaskError && /FlagsSource\.fetch and SourceTask_flags/.test(error.message),
    );
  });

  it('refuses a bad tag or a schema that is not a Standard Schema, when the token is defined', () => {
    for (const tag of ['', ' ', 'a\nb', 'x'.repeat(201), 5]) {
      assert.throws(
        () => defineSyncTask(tag as string),
        (error: unknown) => {
          assert.ok(error instanceof InvalidSyncTaskError);
          assert.match(error.message, /Invalid @SyncTask tag on defineSyncTask\(/);
          return true;
        },
      );
    }
    const notStandard = { parse: (value: unknown) => value };
    assert.throws(
      () => defineSyncTask('x', { schema: notStandard as never }),
      (error: unknown) =>
        error instanceof InvalidSyncTaskError &&
        /Invalid schema for sync task "x".*no "~standard"\.validate function.*Standard Schema validator/s.test(
          error.message,
        ),
    );
  });

  it('@SyncTask on a getter fails when the class is defined, naming it (the types refuse it too)', () => {
    class WithGetter {
      get value() {
        return () => 1;
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(WithGetter.prototype, 'value')!;
    assert.throws(
      () => SyncTask('getter')(WithGetter.prototype, 'value', descriptor as never),
      (error: unknown) =>
        error instanceof InvalidSyncTaskError && /WithGetter\.value, which is not a method/.test(error.message),
    );
  });
});
