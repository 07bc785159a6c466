import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SyncStoreEvent } from '../backend/index.js';
import { listen, record, type StoreCaseContext } from './store-contract.util.js';

/** The namespace channel: change events published with each write, and events anyone publishes. */
export function storeEventCases({ it, store, ns }: StoreCaseContext): void {
  it('delivers change events for writes and published events to subscribers', async () => {
    const space = ns();
    const seen: SyncStoreEvent[] = [];
    const subscription = await store().subscribe(space, (event) => seen.push(event));
    const change = await listen(store(), space, (e) => e.type === 'change');
    const result = await store().write(space, record('t', 'v1', 1));
    const { record: inline, ...event } = (await change.next) as Extract<SyncStoreEvent, { type: 'change' }>;
    assert.ok(result.accepted);
    assert.deepEqual(event, { type: 'change', tag: 't', version: 'v1', revision: result.revision });
    if (inline)
      assert.deepEqual(inline, await store().read(space, 't'), 'a record sent with its event is the stored one');
    const refresh = await listen(store(), space, (e) => e.type === 'refresh');
    await store().publish(space, { type: 'refresh', tag: 't', id: 'r1' });
    assert.deepEqual(await refresh.next, { type: 'refresh', tag: 't', id: 'r1' });
    await subscription.unsubscribe();
    const count = seen.length;
    assert.ok(count >= 2, `subscriber saw ${count} events`);
    await store().write(space, record('t', 'v2', 1));
    await sleep(200);
    assert.equal(seen.length, count, 'no events after unsubscribe');
  });

  it('sends a record with its change event only as a read returns it, and never an older one', async () => {
    const space = ns();
    const changes: Extract<SyncStoreEvent, { type: 'change' }>[] = [];
    const subscription = await store().subscribe(space, (e) => e.type === 'change' && changes.push(e));
    const small = await store().write(space, { ...record('t', 1, 1), data: { list: [1, 'two', null] } });
    const stored = await store().read(space, 't');
    const other = await store().write(space, record('u', 2, 1));
    for (let i = 0; i < 50 && changes.length < 2; i++) await sleep(20);
    await subscription.unsubscribe();
    assert.ok(small.accepted && other.accepted);
    assert.deepEqual(
      changes.map(({ tag, revision }) => [tag, revision]),
      [
        ['t', small.revision],
        ['u', other.revision],
      ],
    );
    const [inline] = changes.map((change) => change.record);
    if (inline) assert.deepEqual(inline, stored);
    for (const change of changes) if (change.record) assert.equal(change.record.revision, change.revision);
  });

  it('delivers every event type with its fields as published', async () => {
    const space = ns();
    const events: SyncStoreEvent[] = [
      { type: 'refreshed', tag: 't', id: 'r1', revision: 7 },
      { type: 'refreshed', tag: 't', id: 'r2' },
      { type: 'released', holder: 'host:1:x' },
      { type: 'change', tag: 't', version: 5, revision: 9 },
    ];
    for (const event of events) {
      const next = await listen(store(), space, () => true);
      await store().publish(space, event);
      assert.deepEqual(await next.next, event);
    }
  });
}
