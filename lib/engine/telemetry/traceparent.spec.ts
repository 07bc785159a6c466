import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTraceParent, parseTraceParent } from './traceparent.js';

describe('traceparent', () => {
  const context = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };

  it('formats a span context as W3C version 00 and parses it back', () => {
    const header = formatTraceParent(context);
    assert.equal(header, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    assert.deepEqual(parseTraceParent(header), context);
  });

  it('refuses malformed values and the all-zero ids', () => {
    for (const bad of [undefined, 5, '', '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x'.repeat(55)]) {
      assert.equal(parseTraceParent(bad), undefined, String(bad));
    }
    assert.equal(parseTraceParent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`), undefined);
    assert.equal(parseTraceParent(`00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`), undefined);
  });
});
