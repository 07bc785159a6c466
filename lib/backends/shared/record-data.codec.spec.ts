import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SyncStoreFormatError } from '../../backend/index.js';
import { decodeRecordData, encodeRecordData } from './record-data.codec.js';

function formatError(tag: string, shown: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SyncStoreFormatError, String(error));
    assert.equal(error.tag, tag);
    assert.match(error.message, shown);
    return true;
  };
}

describe('record data codec', () => {
  it('passes strings and Buffers through', () => {
    assert.equal(
      encodeRecordData('S', 't', () => '{}'),
      '{}',
    );
    assert.deepEqual(
      encodeRecordData('S', 't', () => Buffer.from([1])),
      Buffer.from([1]),
    );
    assert.deepEqual(
      decodeRecordData('S', 't', () => ({ a: 1 })),
      { a: 1 },
    );
  });

  it('turns a throwing encode, or one that returns nothing or a number, into a SyncStoreFormatError', () => {
    const cause = new TypeError('Do not know how to serialize a BigInt');
    assert.throws(
      () =>
        encodeRecordData('S', 't', () => {
          throw cause;
        }),
      (error: unknown) =>
        formatError('t', /S could not encode the data of "t": Do not know/)(error) && (error as Error).cause === cause,
    );
    assert.throws(() => encodeRecordData('S', 't', () => undefined), formatError('t', /returned nothing/));
    assert.throws(() => encodeRecordData('S', 'u', () => 42), formatError('u', /returned number/));
  });

  it('turns a throwing decode into a SyncStoreFormatError that keeps the cause', () => {
    assert.throws(
      () => decodeRecordData('S', 't', () => JSON.parse('{"trunc')),
      (error: unknown) => {
        formatError('t', /S could not decode the data of "t": .*JSON.*same serializer/)(error);
        assert.ok((error as Error).cause instanceof SyntaxError);
        return true;
      },
    );
  });
});
