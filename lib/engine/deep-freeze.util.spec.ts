import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepFreeze } from './deep-freeze.util.js';

describe('deepFreeze', () => {
  it('freezes every level, including inside shallow-frozen objects and cycles', () => {
    const inner = { list: [{ n: 1 }] };
    const value: Record<string, unknown> = Object.freeze({ inner });
    (inner as Record<string, unknown>).self = value;
    deepFreeze(value);
    assert.ok(Object.isFrozen(inner));
    assert.ok(Object.isFrozen(inner.list));
    assert.ok(Object.isFrozen(inner.list[0]));
    assert.throws(() => {
      'use strict';
      inner.list[0].n = 2;
    }, TypeError);
  });

  it('ends on cycles through unfrozen objects and freezes objects reached twice', () => {
    const shared = { n: 1 };
    const root: Record<string, unknown> = { a: { shared }, b: { shared }, list: [shared, shared] };
    (root.a as Record<string, unknown>).back = root;
    deepFreeze(root);
    for (const value of [root, root.a, root.b, root.list, shared]) assert.ok(Object.isFrozen(value));
  });

  it('walks an object shared by many references twice at most, not once per reference', () => {
    let walks = 0;
    const shared = Object.defineProperty({ n: 1 }, 'probe', { get: () => ++walks, enumerable: true });
    deepFreeze({ list: Array(1_000).fill(shared) });
    assert.ok(Object.isFrozen(shared));
    assert.ok(walks <= 2, `walked ${walks} times`);
  });

  it('walks symbol and non-enumerable keys', () => {
    const hidden = { n: 1 };
    const tagged = { n: 2 };
    const value = { [Symbol('tag')]: tagged };
    Object.defineProperty(value, 'hidden', { value: hidden, enumerable: false });
    deepFreeze(value);
    assert.ok(Object.isFrozen(hidden));
    assert.ok(Object.isFrozen(tagged));
  });

  it('leaves primitives and typed arrays alone', () => {
    assert.equal(deepFreeze(5), 5);
    const bytes = new Uint8Array([1, 2]);
    assert.equal(deepFreeze({ bytes }).bytes, bytes);
    bytes[0] = 9;
    assert.equal(bytes[0], 9);
  });
});
