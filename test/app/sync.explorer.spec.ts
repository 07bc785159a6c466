import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Injectable, Scope, type INestApplicationContext, type Type } from '@nestjs/common';
import { createSyncApp } from '../support/sync-app.js';
import { SyncTask } from '../../lib/decorators/sync-task.decorator.js';
import { SyncAction } from '../../lib/interfaces/sync-task.interface.js';
import { DuplicateSyncTaskError, InvalidSyncTaskError } from '../../lib/sync.errors.js';
import { SyncService } from '../../lib/sync.service.js';

const source = (tag: string) => (action: SyncAction) => (action === SyncAction.VERSION ? 1 : { tag });

@Injectable()
class FlagsSource {
  @SyncTask('flags')
  fetch(action: SyncAction) {
    return source('flags')(action);
  }
}

@Controller()
class RatesController {
  @SyncTask('rates', { interval: 50 })
  rates(action: SyncAction) {
    return source('rates')(action);
  }
}

@Injectable()
class OtherFlags {
  @SyncTask('flags')
  again(action: SyncAction) {
    return source('again')(action);
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequest {
  @SyncTask('per-request')
  fetch(action: SyncAction) {
    return source('per-request')(action);
  }
}

/** A subclass inherits `inherited`, overrides `overridden` without @SyncTask and `getter` with a getter. */
class BaseTasks {
  @SyncTask('inherited')
  inherited(action: SyncAction) {
    return source('inherited')(action);
  }

  @SyncTask('overridden')
  overridden(action: SyncAction) {
    return source('overridden')(action);
  }

  @SyncTask('getter')
  getter(action: SyncAction) {
    return source('getter')(action);
  }
}

@Injectable()
class DerivedTasks extends BaseTasks {
  @SyncTask('own')
  own(action: SyncAction) {
    return source('own')(action);
  }

  override overridden(action: SyncAction) {
    return source('not a task')(action);
  }

  // @ts-expect-error a getter over a method, as plain JavaScript could have it
  override get getter() {
    throw new Error('the explorer must not call a getter');
  }
}

function taskClass(tag: unknown, options?: object) {
  @Injectable()
  class BadTag {
    @SyncTask(tag as string, options)
    fetch(action: SyncAction) {
      return source('bad')(action);
    }
  }
  return BadTag;
}

/** The tags the app registered, in order. */
const tagsOf = (app: INestApplicationContext) =>
  app
    .get(SyncService)
    .status()
    .map((s) => s.tag);

/** The tags an app with these providers registers (the app is closed again). */
async function registeredTags(providers: Type[]): Promise<string[]> {
  const { app } = await createSyncApp({ interval: 1_000 }, providers);
  try {
    return tagsOf(app);
  } finally {
    await app.close();
  }
}

describe('SyncExplorer', () => {
  it('registers @SyncTask methods of providers and controllers, in order, with per-task options', async () => {
    const { app } = await createSyncApp({ interval: 1_000 }, [FlagsSource], { controllers: [RatesController] });
    try {
      const status = app.get(SyncService).status();
      assert.deepEqual(
        status.map((s) => s.tag),
        ['flags', 'rates'],
        'providers first, then controllers, each in module order',
      );
      assert.equal(status.find((s) => s.tag === 'rates')?.interval, 50);
      assert.equal(status.find((s) => s.tag === 'flags')?.interval, 1_000);
    } finally {
      await app.close();
    }
  });

  it('registers inherited @SyncTask methods, not an override without @SyncTask nor a getter', async () => {
    assert.deepEqual(
      await registeredTags([DerivedTasks]),
      ['own', 'inherited'],
      "the class's own first, then its base's",
    );
  });

  it('fails bootstrap on a duplicate tag, naming both Class.method', async () => {
    await assert.rejects(createSyncApp({ interval: 1_000 }, [FlagsSource, OtherFlags]), (error: unknown) => {
      assert.ok(error instanceof DuplicateSyncTaskError);
      assert.match(error.message, /"flags"/);
      assert.match(error.message, /FlagsSource\.fetch/);
      assert.match(error.message, /OtherFlags\.again/);
      return true;
    });
  });

  for (const [tag, shown] of [
    ['', "''"],
    ['   ', "'   '"],
    [42, '42'],
    [undefined, 'undefined'],
    ['two\nlines', "'two\\nlines'"],
    ['x'.repeat(10_240), "'xxxx"],
  ] as const) {
    it(`fails bootstrap on tag ${shown}`, async () => {
      await assert.rejects(createSyncApp({ interval: 1_000 }, [taskClass(tag)]), (error: unknown) => {
        assert.ok(error instanceof InvalidSyncTaskError, String(error));
        assert.ok(error.message.includes(shown), error.message);
        assert.match(error.message, /BadTag\.fetch/);
        return true;
      });
    });
  }

  it('accepts tags with colons, dots and spaces', async () => {
    assert.deepEqual(await registeredTags([taskClass('prices:eur v2.1')]), ['prices:eur v2.1']);
  });

  it('fails bootstrap on a bad per-task interval or timeout, naming the value', async () => {
    await assert.rejects(createSyncApp({ interval: 1_000 }, [taskClass('t', { interval: 0 })]), (error: unknown) => {
      assert.ok(error instanceof InvalidSyncTaskError);
      assert.match(error.message, /"interval".*BadTag\.fetch.*got 0/);
      return true;
    });
    await assert.rejects(createSyncApp({ interval: 1_000 }, [taskClass('t', { timeout: NaN })]), /"timeout".*got NaN/);
  });

  it('warns about a request-scoped provider, naming Class.method, and does not register it', async () => {
    const { app, logs } = await createSyncApp({ interval: 1_000 }, [PerRequest, FlagsSource]);
    try {
      assert.equal(logs.find('warn', 'PerRequest.fetch').length, 1);
      assert.deepEqual(tagsOf(app), ['flags']);
    } finally {
      await app.close();
    }
  });
});
