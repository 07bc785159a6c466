import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SyncConnectionError, SyncError } from '../../backend/index.js';
import { BoundedCaller, NoAnswerError } from './bounded-call.js';

const caller = (lastError?: string) =>
  new BoundedCaller({
    owner: 'XStore',
    server: 'X',
    target: 'x://u:***@host:1',
    secrets: ['pa55'],
    hint: (cause) => (cause instanceof NoAnswerError ? 'Raise the timeout.' : 'Check the server.'),
    lastError: () => lastError,
  });

describe('BoundedCaller', () => {
  it('settles with the work when it answers in time', async () => {
    assert.equal(await caller().call('read', Promise.resolve(7), 1_000), 7);
  });

  it('turns a timeout into a SyncConnectionError naming the action, the server and the hint', async () => {
    const started = Date.now();
    // withTimeout's timer is unref'd and the work never settles: this timer keeps the test process alive.
    const keepAlive = setTimeout(() => undefined, 1_000);
    await assert.rejects(caller().call('read a snapshot', new Promise(() => undefined), 50), (error: unknown) => {
      assert.ok(error instanceof SyncConnectionError);
      assert.equal(
        error.message,
        'XStore could not read a snapshot (X at x://u:***@host:1): no answer within 50 ms. Raise the timeout.',
      );
      assert.ok(error.cause instanceof NoAnswerError);
      return true;
    });
    assert.ok(Date.now() - started < 1_000);
    clearTimeout(keepAlive);
  });

  it('turns a failure into a SyncConnectionError without the password, also in its cause', async () => {
    const leaky = Object.assign(new Error('auth pa55 refused'), { input: 'x://u:pa55@host:1' });
    await assert.rejects(caller('ECONNREFUSED').call('connect', Promise.reject(leaky), 1_000), (error: unknown) => {
      assert.ok(error instanceof SyncConnectionError);
      assert.equal(
        error.message,
        'XStore could not connect (X at x://u:***@host:1): auth *** refused (last connection error: ECONNREFUSED). ' +
          'Check the server.',
      );
      assert.ok(!String((error.cause as Error).message).includes('pa55'));
      assert.notEqual(error.cause, leaky, 'the leaking cause is replaced');
      return true;
    });
  });

  it('lets a SyncError through as it is', async () => {
    const own = new SyncError('already explained');
    await assert.rejects(caller().call('read', Promise.reject(own), 1_000), (error: unknown) => error === own);
  });

  it('describes an AggregateError by its inner errors', async () => {
    const refused = new AggregateError([
      new Error('connect ECONNREFUSED ::1:1'),
      new Error('connect ECONNREFUSED 127.0.0.1:1'),
    ]);
    await assert.rejects(caller().call('connect', Promise.reject(refused), 1_000), /::1:1; connect ECONNREFUSED 127/);
  });
});
