import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringifyForReuse, takeJsonText } from './json-text.memo.js';
import { jsonSerializer } from './sync-serializer.interface.js';

/** An object that counts how many times it was serialised. */
function counted(value: unknown) {
  const data = { calls: 0, toJSON: () => (data.calls++, value) };
  return data;
}

describe('JSON text memo', () => {
  it('hands the text to the next take of that very object in the same step, once', () => {
    const data = { a: [1, 'x'] };
    const json = stringifyForReuse(data);
    assert.equal(json, '{"a":[1,"x"]}');
    assert.equal(takeJsonText({ a: [1, 'x'] }), undefined, 'an equal object is another object');
    assert.equal(takeJsonText(data), json);
    assert.equal(takeJsonText(data), undefined, 'taken once');
  });

  it('drops the text when the synchronous step ends', async () => {
    const data = { a: 1 };
    stringifyForReuse(data);
    await Promise.resolve();
    assert.equal(takeJsonText(data), undefined);
  });

  it('keeps nothing for primitives, nor when JSON.stringify throws', () => {
    assert.equal(stringifyForReuse('text'), '"text"');
    assert.equal(takeJsonText('text'), undefined);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => stringifyForReuse(cyclic), TypeError);
    assert.equal(takeJsonText(cyclic), undefined);
  });

  it('lets the default serializer skip its own serialisation in the same step, and only then', async () => {
    const data = counted({ n: 1 });
    const json = stringifyForReuse(data);
    assert.equal(jsonSerializer.encode(data), json);
    assert.equal(data.calls, 1, 'serialised once for the check and the encode');
    assert.equal(jsonSerializer.encode(data), json);
    assert.equal(data.calls, 2, 'a second encode serialises again');
    stringifyForReuse(data);
    await Promise.resolve();
    assert.equal(jsonSerializer.encode(data), json);
    assert.equal(data.calls, 4, 'after an await, the encode serialises again');
  });
});
