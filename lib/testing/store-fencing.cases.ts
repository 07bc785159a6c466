import assert from 'node:assert/strict';
import { record, type StoreCaseContext } from './store-contract.util.js';

/** Fences on write and touch: a paused ex-leader can never overwrite newer data. */
export function storeFencingCases({ it, store, ns }: StoreCaseContext): void {
  it('refuses a write whose fence is older than the stored one, and keeps the record', async () => {
    const space = ns();
    await store().write(space, record('t', 'v2', 7));
    const refused = await store().write(space, record('t', 'v1', 6));
    assert.deepEqual(refused, { accepted: false, fence: 7 });
    assert.equal((await store().read(space, 't'))?.version, 'v2');
    assert.equal((await store().write(space, record('t', 'v3', 7))).accepted, true, 'same fence accepted');
    assert.equal((await store().write(space, record('t', 'v4', 8))).accepted, true, 'newer fence accepted');
    assert.equal((await store().read(space, 't'))?.version, 'v4');
  });

  it('touch sets checkedAt and raises the fence; a stale touch is refused', async () => {
    const space = ns();
    await store().write(space, { ...record('t', 1, 3), checkedAt: 1_000 });
    const revision = await store().revision(space);
    assert.equal(await store().touch(space, 't', 1, 2_000, 5), 'touched');
    const touched = await store().read(space, 't');
    assert.equal(touched?.checkedAt, 2_000);
    assert.equal(touched?.fence, 5);
    assert.equal(touched?.version, 1);
    assert.equal(await store().revision(space), revision, 'a touch is not a change');
    assert.equal(await store().touch(space, 't', 1, 3_000, 4), 'fenced');
    assert.equal((await store().read(space, 't'))?.checkedAt, 2_000);
    assert.equal((await store().write(space, record('t', 2, 4))).accepted, false, 'fence raised by touch protects');
  });

  it('touch reports a missing record, or one holding another version or type, as absent and changes nothing', async () => {
    const space = ns();
    assert.equal(await store().touch(space, 'never-written', 1, 1, 1), 'absent');
    assert.equal(await store().read(space, 'never-written'), undefined);
    await store().write(space, { ...record('t', 5, 3), checkedAt: 1_000 });
    assert.equal(await store().touch(space, 't', 6, 2_000, 3), 'absent', 'another version');
    assert.equal(await store().touch(space, 't', '5', 2_000, 3), 'absent', '"5" is not 5');
    const unchanged = await store().read(space, 't');
    assert.equal(unchanged?.checkedAt, 1_000);
    assert.equal(unchanged?.fence, 3);
    const text = ns();
    await store().write(text, record('t', '5', 1));
    assert.equal(await store().touch(text, 't', 5, 2_000, 1), 'absent', '5 is not "5"');
    assert.equal(await store().touch(text, 't', '5', 2_000, 1), 'touched');
  });
}
