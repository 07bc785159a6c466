import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEvent } from './store-event.codec.js';

describe('decodeEvent', () => {
  it('decodes every event type, keeping the version type', () => {
    const events = [
      { type: 'change', tag: 't', version: 5, revision: 9 },
      { type: 'change', tag: 't', version: '5', revision: 9 },
      { type: 'refresh', tag: 't', id: 'r1' },
      { type: 'refreshed', tag: 't', id: 'r1', revision: 3 },
      { type: 'refreshed', tag: 't', id: 'r1' },
      { type: 'released', holder: 'host:1:x' },
    ];
    for (const event of events) assert.deepEqual(decodeEvent(JSON.stringify(event)), event);
  });

  it('drops what is not one of its events', () => {
    const foreign = [
      'not json',
      '',
      'null',
      '42',
      '[]',
      '"change"',
      '{}',
      '{"type":"other","tag":"t"}',
      '{"type":"toString"}',
      '{"type":"__proto__"}',
      '{"type":"change","tag":"t","version":5}',
      '{"type":"change","tag":"t","version":true,"revision":1}',
      '{"type":"change","tag":1,"version":5,"revision":1}',
      '{"type":"refresh","tag":"t"}',
      '{"type":"refreshed","tag":"t","id":"r","revision":"3"}',
      '{"type":"released"}',
    ];
    for (const message of foreign) assert.equal(decodeEvent(message), undefined, message);
  });

  it('keeps no field the event type does not have', () => {
    const decoded = decodeEvent('{"type":"released","holder":"h","extra":{"big":true}}');
    assert.deepEqual(decoded, { type: 'released', holder: 'h' });
  });

  it("keeps a change's trace context when it is a W3C traceparent, and drops anything else", () => {
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const change = { type: 'change', tag: 't', version: 5, revision: 1 };
    assert.deepEqual(decodeEvent(JSON.stringify({ ...change, trace })), { ...change, trace });
    for (const bad of ['', 'x', 42, `${trace}\n`, trace.toUpperCase()]) {
      assert.deepEqual(decodeEvent(JSON.stringify({ ...change, trace: bad })), change, String(bad));
    }
  });
});
