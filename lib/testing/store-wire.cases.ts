import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncStoreFormatError, type SyncSerializer, type SyncStore, type SyncStoreEvent } from '../backend/index.js';
import {
  poisonSerializer,
  record,
  type StoreCaseContext,
  type StoreWireOptions,
  type SyncStoreContractOptions,
} from './store-contract.util.js';

type Change = Extract<SyncStoreEvent, { type: 'change' }>;

/** The change events `store` delivers on `namespace` while `act` runs (and shortly after). */
async function changesDuring(store: SyncStore, namespace: string, count: number, act: () => Promise<unknown>) {
  const changes: Change[] = [];
  const subscription = await store.subscribe(namespace, (event) => event.type === 'change' && changes.push(event));
  try {
    await act();
    for (let waited = 0; waited < 2_000 && changes.length < count; waited += 10) await sleep(10);
  } finally {
    await subscription.unsubscribe();
  }
  assert.equal(changes.length, count, 'change events');
  return changes;
}

/** A serializer whose bytes claim to be compressed with `encoding` but are not. */
const fakeCompressed = (encoding: string): SyncSerializer => ({
  encode: () => Buffer.concat([Buffer.from(`\0vsync-enc:${encoding}\n`, 'latin1'), Buffer.from('not compressed')]),
  decode: (raw) => JSON.parse(raw.toString('utf8')),
});

/**
 * The wire format of this package's backends, turned on by the suite's `withOptions`: small snapshots ride
 * with their change event, large ones are read; compressed and plain records read each other either way.
 */
export function storeWireCases({ it, after, ns }: StoreCaseContext, options: SyncStoreContractOptions): void {
  const { withOptions, withSerializer } = options;
  if (!withOptions) return;
  const opened: SyncStore[] = [];
  const open = async (wire: StoreWireOptions) => {
    const store = await withOptions(wire);
    opened.push(store);
    return store;
  };
  after(async () => {
    await Promise.all(opened.map((store) => store.close()));
  });

  it('sends a snapshot of up to inlineMaxBytes with its change event, a larger one without, none at 0', async () => {
    const store = await open({ inlineMaxBytes: 200 });
    const off = await open({ inlineMaxBytes: 0 });
    const space = ns();
    const [small, large] = await changesDuring(store, space, 2, async () => {
      await store.write(space, { ...record('small', 1, 1), data: { text: 'x'.repeat(150) } });
      await store.write(space, { ...record('large', 1, 1), data: { text: 'x'.repeat(250) } });
    });
    assert.deepEqual(small.record, await store.read(space, 'small'));
    assert.equal(large.record, undefined, 'over inlineMaxBytes');
    const [none] = await changesDuring(off, space, 1, () => off.write(space, record('small', 2, 1)));
    assert.equal(none.record, undefined, 'inlineMaxBytes: 0');
  });

  if (withSerializer) {
    it("sends a custom serializer's bytes, decoded by the listener's; one it cannot decode is a plain change", async () => {
      const store = await withSerializer(poisonSerializer);
      opened.push(store);
      const space = ns();
      const [good, bad] = await changesDuring(store, space, 2, async () => {
        await store.write(space, { ...record('good', 1, 1), data: { list: [1, 'two'] } });
        await store.write(space, { ...record('bad', 1, 1), data: { poison: 'decode' } });
      });
      assert.deepEqual(good.record, await store.read(space, 'good'));
      assert.equal(bad.record, undefined);
      assert.deepEqual([bad.tag, bad.version], ['bad', 1], 'the change itself still arrives');
    });
  }

  for (const compression of ['gzip', 'brotli'] as const) {
    it(`reads ${compression}-compressed records with compression off, and plain ones with it on`, async () => {
      const packing = await open({ compression, compressAbove: 100 });
      const plain = await open({ compression: false });
      const space = ns();
      const big = { rows: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `row ${i}` })) };
      const [event] = await changesDuring(plain, space, 1, () =>
        packing.write(space, { ...record('t', 1, 1), data: big }),
      );
      assert.equal(event.record, undefined, 'compressed data never rides with the event');
      assert.deepEqual((await plain.read(space, 't'))?.data, big, 'a reader without compression');
      assert.deepEqual((await packing.read(space, 't'))?.data, big);
      await plain.write(space, { ...record('t', 2, 1), data: big });
      assert.deepEqual((await packing.read(space, 't'))?.data, big, 'a plain record, as written before compression');
      await packing.write(space, { ...record('s', 1, 1), data: { small: true } });
      assert.deepEqual((await plain.read(space, 's'))?.data, { small: true }, 'under compressAbove: not compressed');
    });
  }

  if (withSerializer) {
    it('reports compressed data that does not inflate, or an unknown encoding, with a SyncStoreFormatError', async () => {
      const space = ns();
      for (const [encoding, shown] of [
        ['gzip', /could not decode the data of "t"/],
        ['zstd', /encoded as "zstd"/],
      ] as const) {
        const store = await withSerializer(fakeCompressed(encoding));
        opened.push(store);
        await store.write(space, record('t', encoding, 1));
        await assert.rejects(store.read(space, 't'), (error: unknown) => {
          assert.ok(error instanceof SyncStoreFormatError, String(error));
          assert.match(error.message, shown);
          return true;
        });
      }
    });
  }
}
