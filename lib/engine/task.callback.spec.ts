import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { SyncAction, type SyncContext } from '../interfaces/sync-task.interface.js';
import { SyncCallbackError, SyncTimeoutError } from '../sync.errors.js';
import type { SyncTerm } from './lease.keeper.js';
import type { SyncTaskState } from './replica.state.js';
import { callTask } from './task.callback.js';

function term(controller = new AbortController()): SyncTerm {
  return { lease: { name: 'ns', holder: 'me', fence: 1 }, signal: controller.signal, valid: () => true };
}

/** The part of a task's state `callTask` reads. */
function task(callback: (action: SyncAction, ctx: SyncContext) => unknown, timeout = 1_000): SyncTaskState {
  return {
    task: { tag: 't', source: 'Test.t', callback, interval: 1_000, timeout, schema: undefined },
  } as SyncTaskState;
}

describe('callTask', () => {
  it('returns a synchronous answer as it is, with a context showing tag and previousVersion only', () => {
    let seen: SyncContext | undefined;
    const result = callTask(
      task((_action, ctx) => ((seen = ctx), 7)),
      term(),
      SyncAction.VERSION,
      3,
    );
    assert.equal(result, 7);
    assert.deepEqual({ ...seen }, { tag: 't', previousVersion: 3 });
    assert.equal(seen!.signal.aborted, false);
  });

  it('wraps a thrown error with the tag and the action', () => {
    assert.throws(
      () =>
        callTask(
          task(() => {
            throw new Error('db down');
          }),
          term(),
          SyncAction.VERSION,
        ),
      (error: unknown) => error instanceof SyncCallbackError && /db down/.test(error.message),
    );
  });

  it('puts one listener on the term signal for any number of async calls in flight, and ends them all with the term', async () => {
    const controller = new AbortController();
    const current = term(controller);
    const contexts: SyncContext[] = [];
    const source = task((_action, ctx) => (contexts.push(ctx), new Promise(() => undefined)));
    const calls = Array.from(
      { length: 1_000 },
      () => callTask(source, current, SyncAction.VERSION) as Promise<unknown>,
    );
    assert.equal(getEventListeners(current.signal, 'abort').length, 1);
    controller.abort(new Error('lease lost'));
    const results = await Promise.allSettled(calls);
    assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'lease lost'));
    assert.ok(contexts.every((ctx) => ctx.signal.aborted));
  });

  it('a callback that rejects after its call was refused (term already ended) leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const controller = new AbortController();
      controller.abort(new Error('over'));
      const failing = task(() => new Promise((_, reject) => setImmediate(() => reject(new Error('db down')))));
      await assert.rejects(callTask(failing, term(controller), SyncAction.VERSION) as Promise<unknown>, /over/);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('refuses an async call once the term has ended, and times out a slow one with its signal aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('over'));
    await assert.rejects(
      callTask(
        task(async () => 1),
        term(controller),
        SyncAction.VERSION,
      ) as Promise<unknown>,
      /over/,
    );
    let ctx: SyncContext | undefined;
    const slow = task((_action, c) => ((ctx = c), new Promise(() => undefined)), 20);
    await assert.rejects(callTask(slow, term(), SyncAction.DATA) as Promise<unknown>, SyncTimeoutError);
    assert.equal(ctx!.signal.aborted, true, 'the signal read after the timeout is aborted too');
  });
});
