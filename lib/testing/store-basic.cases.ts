import assert from 'node:assert/strict';
import { record, type StoreCaseContext } from './store-contract.util.js';

/** Reads, writes, revisions, heads and namespaces: what every store keeps, one call at a time. */
export function storeBasicCases({ it, store, ns }: StoreCaseContext): void {
  it('reads undefined for a tag never written', async () => {
    assert.equal(await store().read(ns(), 'missing'), undefined);
  });

  it('round-trips a record and keeps the version type (5 stays a number, "5" a string)', async () => {
    const space = ns();
    const data = { list: [1, 'two', { three: true }], nested: { n: null } };
    assert.equal((await store().write(space, record('num', 5, 1, data))).accepted, true);
    assert.equal((await store().write(space, record('str', '5', 1))).accepted, true);
    const num = await store().read(space, 'num');
    const str = await store().read(space, 'str');
    assert.equal(num?.version, 5);
    assert.equal(str?.version, '5');
    assert.deepEqual(num?.data, data);
    assert.equal(num?.fence, 1);
    assert.equal(typeof num?.modifiedAt, 'number');
    assert.equal(typeof num?.checkedAt, 'number');
  });

  it('gives each accepted write a namespace revision that only grows', async () => {
    const space = ns();
    const start = await store().revision(space);
    const revisions: number[] = [];
    for (const [i, tag] of ['a', 'b', 'a', 'c'].entries()) {
      const result = await store().write(space, record(tag, i, 1));
      assert.equal(result.accepted, true);
      if (result.accepted) revisions.push(result.revision);
    }
    for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i] > revisions[i - 1], `${revisions}`);
    assert.ok(revisions[0] > start);
    assert.equal(await store().revision(space), revisions.at(-1));
    assert.equal((await store().read(space, 'a'))?.revision, revisions[2]);
  });

  it('lists every head of a namespace in one call, without data', async () => {
    const space = ns();
    await store().write(space, record('a', 1, 1));
    await store().write(space, record('b', 'x', 2));
    const heads = await store().heads(space);
    assert.deepEqual([...heads.keys()].sort(), ['a', 'b']);
    assert.equal(heads.get('a')?.version, 1);
    assert.equal(heads.get('b')?.version, 'x');
    assert.equal(heads.get('b')?.fence, 2);
    assert.equal(typeof heads.get('b')?.revision, 'number');
    assert.equal('data' in (heads.get('a') ?? {}), false);
    assert.equal((await store().heads(ns())).size, 0);
  });

  it("never returns a version paired with another version's data", async () => {
    const space = ns();
    let writing = true;
    let reads = 0;
    const writer = (async () => {
      for (let i = 0; i < 200; i++) await store().write(space, record('t', i, 1, { version: i, pad: 'x'.repeat(i) }));
      writing = false;
    })();
    while (writing) {
      const got = await store().read<{ version: number; pad: string }>(space, 't');
      if (got) {
        reads++;
        assert.equal(got.data.version, got.version);
        assert.equal(got.data.pad.length, got.version);
      }
    }
    await writer;
    assert.ok(reads > 0);
  });

  it('keeps namespaces apart', async () => {
    const one = ns();
    const two = ns();
    await store().write(one, record('t', 'one', 9));
    assert.equal(await store().read(two, 't'), undefined);
    assert.equal((await store().write(two, record('t', 'two', 1))).accepted, true, 'fences are per namespace');
    assert.equal((await store().read(one, 't'))?.version, 'one');
  });
}
