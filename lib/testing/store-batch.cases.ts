import assert from 'node:assert/strict';
import type { SyncStore, SyncTouch, SyncTouchResult } from '../backend/index.js';
import { record, type StoreCaseContext, type SyncStoreContractOptions } from './store-contract.util.js';

type Batching = SyncStore & Required<Pick<SyncStore, 'touchMany'>>;

/**
 * The optional `touchMany`: a batch of unchanged checks in one call, each judged exactly as `touch` judges it
 * alone, results in order. A store without it is touched once per check by the engine, so these cases have
 * nothing to check there and pass at once, unless `options.batches` says the store has it (then they fail
 * without it: a store that lost the method is not reported as passing).
 */
export function storeBatchCases({ it, store, ns }: StoreCaseContext, options: SyncStoreContractOptions): void {
  /** The store when it batches, or `undefined` (the case then has nothing to check). */
  const batching = (): Batching | undefined => {
    if (typeof store().touchMany === 'function') return store() as Batching;
    if (options.batches) assert.fail('touchMany() is missing, but the suite was told the store batches touches');
    return undefined;
  };

  it('touchMany (if the store has it): results in order, touched, fenced and absent mixed', async () => {
    const batch = batching();
    if (!batch) return;
    const space = ns();
    await batch.write(space, { ...record('a', 1, 3), checkedAt: 1_000 });
    await batch.write(space, { ...record('b', 'x', 9), checkedAt: 1_000 });
    await batch.write(space, { ...record('c', 2, 3), checkedAt: 1_000 });
    const revision = await batch.revision(space);
    const touches: SyncTouch[] = [
      { tag: 'c', version: 2, checkedAt: 2_003 },
      { tag: 'missing', version: 1, checkedAt: 2_001 },
      { tag: 'b', version: 'x', checkedAt: 2_002 },
      { tag: 'a', version: 1, checkedAt: 2_000 },
    ];
    assert.deepEqual(await batch.touchMany(space, touches, 5), ['touched', 'absent', 'fenced', 'touched']);
    assert.deepEqual(await batch.touchMany(space, [], 5), [], 'an empty batch');
    const heads = await batch.heads(space);
    assert.deepEqual(
      ['a', 'b', 'c'].map((tag) => [heads.get(tag)?.checkedAt, heads.get(tag)?.fence]),
      [
        [2_000, 5],
        [1_000, 9],
        [2_003, 5],
      ],
    );
    assert.equal(heads.has('missing'), false, 'an absent tag is not created');
    assert.equal(await batch.revision(space), revision, 'a touch is not a change');
    assert.equal((await batch.write(space, record('a', 2, 4))).accepted, false, 'the raised fence protects');
  });

  it('touchMany (if the store has it): a version of another value or type is absent, 5 is not "5"', async () => {
    const batch = batching();
    if (!batch) return;
    const space = ns();
    await batch.write(space, { ...record('n', 5, 1), checkedAt: 1_000 });
    await batch.write(space, { ...record('s', '5', 1), checkedAt: 1_000 });
    const wrong: SyncTouch[] = [
      { tag: 'n', version: '5', checkedAt: 2_000 },
      { tag: 's', version: 5, checkedAt: 2_000 },
    ];
    assert.deepEqual(await batch.touchMany(space, wrong, 1), ['absent', 'absent']);
    assert.equal((await batch.read(space, 'n'))?.checkedAt, 1_000, 'nothing changed');
    const right: SyncTouch[] = [
      { tag: 'n', version: 5, checkedAt: 2_000 },
      { tag: 's', version: '5', checkedAt: 2_000 },
    ];
    assert.deepEqual(await batch.touchMany(space, right, 1), ['touched', 'touched']);
  });

  it('touchMany (if the store has it): each entry ends as touch alone leaves it', async () => {
    const batch = batching();
    if (!batch) return;
    const [single, batched] = [ns(), ns()];
    const cases: [SyncTouch, number][] = [
      [{ tag: 'same', version: 1, checkedAt: 5_000 }, 2],
      [{ tag: 'other', version: 2, checkedAt: 5_001 }, 2],
      [{ tag: 'typed', version: '1', checkedAt: 5_002 }, 2],
      [{ tag: 'newer', version: 1, checkedAt: 5_003 }, 7],
      [{ tag: 'none', version: 1, checkedAt: 5_004 }, 0],
    ];
    for (const space of [single, batched]) {
      for (const [{ tag }, storedFence] of cases) {
        if (storedFence > 0) await batch.write(space, { ...record(tag, 1, storedFence), checkedAt: 1_000 });
      }
    }
    const alone: SyncTouchResult[] = [];
    for (const [{ tag, version, checkedAt }] of cases)
      alone.push(await batch.touch(single, tag, version, checkedAt, 3));
    const together = await batch.touchMany(
      batched,
      cases.map(([touch]) => touch),
      3,
    );
    assert.deepEqual(together, alone);
    const headsOf = async (space: string) =>
      [...(await batch.heads(space)).values()]
        .map(({ tag, version, checkedAt, fence }) => ({ tag, version, checkedAt, fence }))
        .sort((x, y) => x.tag.localeCompare(y.tag));
    assert.deepEqual(await headsOf(batched), await headsOf(single));
  });
}
