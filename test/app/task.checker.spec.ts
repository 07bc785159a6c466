import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSyncApp, type SyncTestApp } from '../support/sync-app.js';
import { waitFor } from '../support/wait-for.js';
import { taskFor, VersionedSource } from '../support/task-classes.js';
import { SyncAction, type SyncContext } from '../../lib/interfaces/sync-task.interface.js';
import { SyncService } from '../../lib/sync.service.js';

const INTERVAL = 25;

describe('SyncTaskChecker (version-gated fetch on the in-memory default)', () => {
  let current: SyncTestApp | undefined;
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
  });

  async function boot(source: VersionedSource, timeout = 1_000) {
    current = await createSyncApp({ interval: INTERVAL, timeout }, [taskFor('t', source)]);
    const sync = current.app.get(SyncService);
    await sync.whenReady(['t'], { timeout: 2_000 });
    return { sync, logs: current.logs };
  }

  it('calls DATA only when the version changed; modifiedAt stays, lastCheckedAt moves', async () => {
    const source = new VersionedSource();
    const { sync } = await boot(source);
    const modifiedAt = sync.getLastModified('t');
    const firstCheck = sync.status()[0].lastCheckedAt!;
    await waitFor(() => source.count(SyncAction.VERSION) >= 6, 2_000, 'six VERSION calls');
    assert.equal(source.count(SyncAction.DATA), 1, 'DATA once for one version');
    assert.deepEqual(sync.getLastModified('t'), modifiedAt);
    assert.ok(sync.status()[0].lastCheckedAt! > firstCheck, 'lastCheckedAt moved');
    source.version = 2;
    await waitFor(() => sync.getVersion('t') === 2, 2_000, 'version 2');
    assert.equal(source.count(SyncAction.DATA), 2);
    assert.deepEqual(sync.getData('t'), { version: 2, items: ['item-2'] });
    assert.ok(sync.getLastModified('t')! > modifiedAt!);
  });

  it('passes the stored version as ctx.previousVersion and a live signal', async () => {
    const source = new VersionedSource();
    await boot(source);
    const first = source.calls[0].ctx;
    assert.equal(first.previousVersion, undefined);
    assert.equal(first.tag, 't');
    await waitFor(() => source.count(SyncAction.VERSION) >= 2, 2_000, 'second check');
    const second = source.calls.filter((c) => c.action === SyncAction.VERSION)[1].ctx;
    assert.equal(second.previousVersion, 1);
    assert.equal(second.signal.aborted, false);
  });

  const failures: [string, SyncAction, (action: SyncAction, ctx: SyncContext) => unknown, RegExp][] = [
    [
      'throws',
      SyncAction.VERSION,
      () => {
        throw new Error('db down');
      },
      /SyncCallbackError: .*db down/,
    ],
    [
      'rejects',
      SyncAction.DATA,
      async () => {
        throw new Error('query failed');
      },
      /SyncCallbackError: .*query failed/,
    ],
    ['returns undefined data', SyncAction.DATA, () => undefined, /InvalidSyncResultError: .*undefined for DATA/],
    ['returns null data', SyncAction.DATA, () => null, /InvalidSyncResultError: .*null for DATA/],
    [
      'returns undefined version',
      SyncAction.VERSION,
      () => undefined,
      /InvalidSyncResultError: .*undefined for VERSION/,
    ],
    ['returns NaN version', SyncAction.VERSION, () => NaN, /InvalidSyncResultError: .*NaN for VERSION/],
    ['returns an object version', SyncAction.VERSION, () => ({ v: 1 }), /InvalidSyncResultError: .*for VERSION/],
    ['never settles', SyncAction.DATA, () => new Promise(() => undefined), /SyncTimeoutError: .*within 60 ms/],
    ['returns Infinity version', SyncAction.VERSION, () => Infinity, /InvalidSyncResultError: .*Infinity for VERSION/],
    [
      'returns a Symbol version',
      SyncAction.VERSION,
      () => Symbol('v'),
      /InvalidSyncResultError: .*Symbol\(v\) for VERSION/,
    ],
    ['returns a BigInt version', SyncAction.VERSION, () => 5n, /InvalidSyncResultError: .*5n for VERSION/],
    ['returns an empty-string version', SyncAction.VERSION, () => '', /InvalidSyncResultError: .*'' for VERSION/],
    ['returns a BigInt', SyncAction.DATA, () => ({ n: 5n }), /InvalidSyncResultError: .*not JSON-serialisable.*BigInt/],
    [
      'returns a Symbol',
      SyncAction.DATA,
      () => Symbol('data'),
      /InvalidSyncResultError: .*not JSON-serialisable \(Symbol\(data\)\)/,
    ],
    ['returns a function', SyncAction.DATA, () => () => 1, /InvalidSyncResultError: .*not JSON-serialisable/],
    [
      'returns a circular structure',
      SyncAction.DATA,
      () => {
        const loop: Record<string, unknown> = {};
        loop.self = loop;
        return loop;
      },
      /InvalidSyncResultError: .*not JSON-serialisable.*circular/,
    ],
    [
      'returns a toJSON that throws',
      SyncAction.DATA,
      () => ({
        toJSON() {
          throw new Error('toJSON exploded');
        },
      }),
      /InvalidSyncResultError: .*toJSON exploded/,
    ],
    [
      'throws a non-Error',
      SyncAction.VERSION,
      () => {
        throw 'a string';
      },
      /SyncCallbackError: .*'a string'/,
    ],
  ];
  for (const [what, action, behaviour, expected] of failures) {
    it(`keeps the last good snapshot when ${action.toUpperCase()} ${what}, logs once per streak, recovers`, async () => {
      const source = new VersionedSource();
      const { sync, logs } = await boot(source, 60);
      const good = sync.getSnapshot('t');
      const normal = source.behaviour;
      source.version = 2;
      source.behaviour = (a, ctx) => (a === action ? behaviour(a, ctx) : normal(a, ctx));
      await waitFor(() => sync.status()[0].consecutiveFailures >= 3, 3_000, 'three failures');
      assert.equal(sync.getSnapshot('t'), good, 'snapshot untouched');
      const [status] = sync.status();
      assert.match(`${status.lastError?.name}: ${status.lastError?.message}`, expected);
      assert.equal(logs.find('error', '[t]').length, 1, 'logged once per streak');
      source.behaviour = normal;
      await waitFor(() => sync.getVersion('t') === 2, 2_000, 'recovery');
      assert.equal(sync.status()[0].consecutiveFailures, 0);
      assert.ok(sync.status()[0].failures >= 3);
      assert.equal(logs.find('log', 'recovered after').length, 1);
    });
  }

  it('refuses data over maxDataBytes (a 100 MB string) with a clear error and keeps the last data', async () => {
    const source = new VersionedSource();
    current = await createSyncApp({ interval: INTERVAL, maxDataBytes: 10 * 1024 * 1024 }, [taskFor('t', source)]);
    const sync = current.app.get(SyncService);
    await sync.whenReady(['t'], { timeout: 2_000 });
    const huge = 'x'.repeat(100 * 1024 * 1024);
    const normal = source.behaviour;
    source.version = 2;
    source.behaviour = (action, ctx) => (action === SyncAction.DATA ? huge : normal(action, ctx));
    await waitFor(() => sync.status()[0].consecutiveFailures >= 1, 10_000, 'the refusal');
    assert.match(
      sync.status()[0].lastError?.message ?? '',
      /104857602 bytes of data, more than maxDataBytes \(10485760\)/,
    );
    assert.equal(sync.getVersion('t'), 1);
    source.behaviour = normal;
    await waitFor(() => sync.getVersion('t') === 2, 10_000, 'recovery with normal data');
  });

  it('aborts ctx.signal on timeout and runs the next tick normally', async () => {
    const source = new VersionedSource();
    const { sync } = await boot(source, 60);
    const signals: AbortSignal[] = [];
    const normal = source.behaviour;
    source.version = 2;
    source.behaviour = (action, ctx) => {
      if (action !== SyncAction.DATA || signals.length > 0) return normal(action, ctx);
      signals.push(ctx.signal);
      return sleep(5_000, { late: true }, { signal: ctx.signal });
    };
    await waitFor(() => sync.getVersion('t') === 2, 3_000, 'the tick after the timeout');
    assert.equal(signals.length, 1);
    assert.equal(signals[0].aborted, true);
    assert.equal((signals[0].reason as Error).name, 'TimeoutError');
    assert.deepEqual(sync.getData('t'), { version: 2, items: ['item-2'] });
    assert.equal(sync.status()[0].failures, 1);
  });
});
