import assert from 'node:assert/strict';
import { SyncStoreFormatError, type SyncStore } from '../backend/index.js';
import {
  poisonSerializer,
  record,
  type StoreCaseContext,
  type SyncStoreContractOptions,
} from './store-contract.util.js';
import { assertUnreachable, DEFAULT_UNREACHABLE_WITHIN } from './unreachable.case.js';

/** Asserts `error` is a `SyncStoreFormatError` about `tag` whose message names the tag. */
function formatError(tag: string) {
  return (error: unknown) => {
    assert.ok(error instanceof SyncStoreFormatError, `expected a SyncStoreFormatError, got ${String(error)}`);
    assert.equal(error.tag, tag);
    assert.ok(error.message.includes(`"${tag}"`), error.message);
    return true;
  };
}

/**
 * The same fault gets the same error in every backend: data its serializer cannot encode or
 * decode is a `SyncStoreFormatError` (and an unencodable write changes nothing), a server that
 * does not answer is a `SyncConnectionError` within bounded time. Cases whose factory the
 * options leave out are not registered (a store that keeps data as is has no serializer).
 */
export function storeFaultCases({ it, after, store, ns }: StoreCaseContext, options: SyncStoreContractOptions): void {
  const { withSerializer, unreachable } = options;
  if (withSerializer) {
    let poisoned: SyncStore | undefined;
    const faulty = async () => (poisoned ??= await withSerializer(poisonSerializer));
    const cases: [string, string][] = [
      ['encode', 'throws'],
      ['nothing', 'returns nothing'],
    ];
    for (const [poison, what] of cases) {
      it(`refuses data whose encode ${what} with a SyncStoreFormatError, and writes nothing`, async () => {
        const space = ns();
        const written = await (await faulty()).write(space, record('t', 1, 1, { ok: true }));
        assert.ok(written.accepted);
        await assert.rejects(
          async () => (await faulty()).write(space, record('t', 2, 2, { poison })),
          formatError('t'),
        );
        const kept = await (await faulty()).read(space, 't');
        assert.equal(kept?.version, 1, 'the stored snapshot is unchanged');
        assert.deepEqual(kept?.data, { ok: true });
        assert.equal(kept?.fence, 1, 'not even the fence moved');
        assert.equal(await store().revision(space), written.revision, 'no revision bump');
        const fresh = ns();
        await assert.rejects(
          async () => (await faulty()).write(fresh, record('new', 1, 1, { poison })),
          formatError('new'),
        );
        assert.equal(await store().read(fresh, 'new'), undefined, 'no first record either');
      });
    }

    it('reports a stored record it cannot decode with a SyncStoreFormatError, and keeps serving its head', async () => {
      const space = ns();
      assert.ok((await (await faulty()).write(space, record('t', 'v', 3, { poison: 'decode' }))).accepted);
      await assert.rejects(async () => (await faulty()).read(space, 't'), formatError('t'));
      const head = (await (await faulty()).heads(space)).get('t');
      assert.equal(head?.version, 'v', 'heads carry no data, so they still read');
    });
    after(async () => {
      await poisoned?.close();
    });
  }

  if (unreachable) {
    const within = options.unreachableWithin ?? DEFAULT_UNREACHABLE_WITHIN;
    it(`fails with a SyncConnectionError within ${within} ms when its server cannot be reached`, () =>
      assertUnreachable(
        unreachable,
        (lost) => [
          ['connect', () => (lost.connect ? lost.connect() : lost.revision(ns()))],
          ['read', () => lost.read(ns(), 't')],
          ['write', () => lost.write(ns(), record('t', 1, 1))],
        ],
        within,
      ));
  }
}
