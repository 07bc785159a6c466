import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SyncStoreFormatError } from '../../backend/index.js';
import {
  byteSize,
  compressRecordData,
  decodeRecordData,
  encodeRecordData,
  inflateChunkSize,
  inflateRecordData,
  zlibChunkSize,
} from './record-data.codec.js';

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

describe('record compression', () => {
  const json = JSON.stringify({ rows: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `row ${i}` })) });

  for (const algorithm of ['gzip', 'brotli'] as const) {
    it(`compresses ${algorithm} above the threshold behind a marker, and inflates it back`, async () => {
      const packed = await compressRecordData(json, { algorithm, above: 100 });
      assert.equal(packed.compressed, true);
      assert.ok(byteSize(packed.data) < byteSize(json) / 4, `${byteSize(packed.data)} of ${byteSize(json)} bytes`);
      assert.equal((await inflateRecordData('S', 't', packed.data as Buffer)).toString('utf8'), json);
    });
  }

  it('sizes zlib output chunks as expected, within 16 KiB and 16 MiB', () => {
    assert.equal(zlibChunkSize(100), 16_384);
    assert.equal(zlibChunkSize(800_000.5), 800_001);
    assert.equal(zlibChunkSize(40_000_000), 16_777_216);
  });

  it('inflates gzip into one chunk of the size its trailer gives, brotli into 16 times its packed size', async () => {
    const gzip = await compressRecordData(json, { algorithm: 'gzip', above: 0 });
    const packed = (gzip.data as Buffer).subarray('\0vsync-enc:gzip\n'.length);
    assert.equal(inflateChunkSize('gzip', packed), Math.max(16_384, byteSize(json) + 1));
    const big = JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ id: i, name: `row ${i}` })));
    const bigPacked = ((await compressRecordData(big, { algorithm: 'gzip', above: 0 })).data as Buffer).subarray(16);
    assert.equal(inflateChunkSize('gzip', bigPacked), byteSize(big) + 1);
    assert.equal(inflateChunkSize('br', Buffer.alloc(100_000)), 1_600_000);
    assert.equal(inflateChunkSize('gzip', Buffer.alloc(10)), 16_384, 'too short for a trailer: as brotli');
  });

  it('inflates output that spans many chunks byte for byte: brotli, and gzip members written one after the other', async () => {
    // Identical rows shrink far more than 16 times; a second gzip member makes the trailer give only its own size.
    const rows = JSON.stringify(Array.from({ length: 100_000 }, () => ({ name: 'the same row' })));
    const brotli = (await compressRecordData(rows, { algorithm: 'brotli', above: 0 })).data as Buffer;
    assert.ok(byteSize(rows) > 10 * inflateChunkSize('br', brotli.subarray(14)), 'spans more than ten chunks');
    assert.ok((await inflateRecordData('S', 't', brotli)).equals(Buffer.from(rows)));
    const members = Buffer.concat([gzipSync(rows), gzipSync('[1]')]);
    const marked = Buffer.concat([Buffer.from('\0vsync-enc:gzip\n', 'latin1'), members]);
    assert.equal(inflateChunkSize('gzip', members), 16_384);
    assert.equal((await inflateRecordData('S', 't', marked)).toString(), `${rows}[1]`);
  });

  it('keeps data at or under the threshold, or with compression off, as it is', async () => {
    assert.deepEqual(await compressRecordData(json, { algorithm: 'gzip', above: byteSize(json) }), {
      data: json,
      compressed: false,
    });
    assert.deepEqual(await compressRecordData(json, { algorithm: false, above: 0 }), { data: json, compressed: false });
    const plain = Buffer.from(json);
    assert.equal(await inflateRecordData('S', 't', plain), plain, 'plain bytes pass through');
    assert.equal((await inflateRecordData('S', 't', Buffer.from([0, 1]))).length, 2, 'a NUL without the marker');
  });

  it('reports bytes that do not inflate, or an unknown encoding, as a SyncStoreFormatError', async () => {
    const marked = (text: string) => Buffer.from(`\0vsync-enc:${text}`, 'latin1');
    await assert.rejects(inflateRecordData('S', 't', marked('gzip\nnot gzip')), formatError('t', /S could not decode/));
    await assert.rejects(inflateRecordData('S', 'u', marked('zstd\nxx')), formatError('u', /encoded as "zstd"/));
    await assert.rejects(inflateRecordData('S', 'u', marked('gzip')), formatError('u', /encoded as "gzip"/));
  });
});
