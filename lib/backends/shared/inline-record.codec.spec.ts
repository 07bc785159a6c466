import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncRecord, SyncSerializer } from '../../backend/index.js';
import { changeEventHead } from './inline-record.codec.js';
import { decodeEvent } from './store-event.codec.js';

const record: SyncRecord = {
  tag: 't',
  version: 5,
  data: { a: [1, 'x'] },
  modifiedAt: 1_000,
  checkedAt: 2_000,
  fence: 3,
};
const base64Json: SyncSerializer = {
  encode: (data) => Buffer.from(JSON.stringify(data)),
  decode: (raw) => JSON.parse(raw.toString('utf8')),
};
const stored = {
  tag: 't',
  version: 5,
  revision: 42,
  data: { a: [1, 'x'] },
  modifiedAt: 1_000,
  checkedAt: 2_000,
  fence: 3,
};

describe('inline records in change events', () => {
  it('embeds JSON data as is and decodes it back as the stored record', () => {
    const head = changeEventHead('t', record, JSON.stringify(record.data), { maxBytes: 100, json: true });
    assert.ok(head.endsWith(',"revision":'), head);
    assert.deepEqual(decodeEvent(`${head}42}`), { type: 'change', tag: 't', version: 5, revision: 42, record: stored });
  });

  it("sends a custom serializer's bytes as base64, decoded by the listener's serializer", () => {
    const bytes = base64Json.encode(record.data);
    const message = `${changeEventHead('t', record, bytes, { maxBytes: 100, json: false })}42}`;
    assert.match(message, /"bytes":"/);
    assert.deepEqual(decodeEvent(message, base64Json), {
      type: 'change',
      tag: 't',
      version: 5,
      revision: 42,
      record: stored,
    });
  });

  it('leaves the data out above maxBytes, at 0, or when there is none to send', () => {
    const json = JSON.stringify(record.data);
    for (const [data, maxBytes] of [
      [json, json.length - 1],
      [json, 0],
      [undefined, 100],
    ] as const) {
      const message = `${changeEventHead('t', record, data, { maxBytes, json: true })}42}`;
      assert.deepEqual(decodeEvent(message), { type: 'change', tag: 't', version: 5, revision: 42 }, String(maxBytes));
    }
    const exact = `${changeEventHead('t', record, json, { maxBytes: json.length, json: true })}1}`;
    assert.ok(decodeEvent(exact)?.type === 'change' && decodeEvent(exact));
  });

  it('degrades a malformed inline record to a plain change event, never a malformed record', () => {
    const plain = { type: 'change', tag: 't', version: 5, revision: 42 };
    const inlines = [
      null,
      7,
      'x',
      { checkedAt: 2, fence: 3, data: 1 },
      { modifiedAt: '1', checkedAt: 2, fence: 3, data: 1 },
      { modifiedAt: 1, checkedAt: 2, fence: null, data: 1 },
      { modifiedAt: 1, checkedAt: 2, fence: 3 },
      { modifiedAt: 1, checkedAt: 2, fence: 3, bytes: 'bm90IGpzb24=' },
    ];
    for (const inline of inlines) {
      assert.deepEqual(decodeEvent(JSON.stringify({ ...plain, inline })), plain, JSON.stringify(inline));
    }
    const undecodable = JSON.stringify({
      ...plain,
      inline: { modifiedAt: 1, checkedAt: 2, fence: 3, bytes: 'bm90IGpzb24=' },
    });
    assert.deepEqual(decodeEvent(undecodable, base64Json), plain, 'the serializer cannot decode it');
  });
});
