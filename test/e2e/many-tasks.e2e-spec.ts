import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { SyncAction, SyncService, SyncTask } from '../../lib/index.js';
import { createSyncApp } from '../support/sync-app.js';

const COUNT = 10_000;

/** One provider with 10,000 `@SyncTask` methods, decorated the way the decorator syntax would. */
function manyTasks() {
  @Injectable()
  class ManyTasks {}
  for (let i = 0; i < COUNT; i++) {
    const method = function (this: unknown, action: SyncAction) {
      return action === SyncAction.VERSION ? 1 : { i };
    };
    Object.defineProperty(ManyTasks.prototype, `task${i}`, { value: method, writable: true, configurable: true });
    SyncTask(`task:${i}`)(
      ManyTasks.prototype,
      `task${i}`,
      Object.getOwnPropertyDescriptor(ManyTasks.prototype, `task${i}`)!,
    );
  }
  return ManyTasks;
}

describe('10,000 tasks registered', { timeout: 120_000 }, () => {
  it('boots, fetches each once, and reads each by tag', async (t) => {
    const started = Date.now();
    const { app } = await createSyncApp({ interval: 60_000 }, [manyTasks()]);
    try {
      const sync = app.get(SyncService);
      const booted = Date.now() - started;
      await sync.whenReady(undefined, { timeout: 60_000 });
      const ready = Date.now() - started;
      t.diagnostic(`${COUNT} tasks: bootstrap ${booted} ms, every task ready ${ready} ms after start`);
      const status = sync.status();
      assert.equal(status.length, COUNT);
      assert.equal(status.filter((s) => s.version === 1).length, COUNT);
      assert.deepEqual(sync.getData('task:9999'), { i: 9999 });
      assert.deepEqual(sync.getData('task:0'), { i: 0 });
    } finally {
      await app.close();
    }
  });
});
