import { takeJsonText } from './json-text.memo.js';

/**
 * How a remote store turns data into bytes and back. The default is JSON;
 * a custom one (MessagePack, compression...) must round-trip every value its
 * callbacks return. `decode` runs once per version per process.
 */
export interface SyncSerializer {
  encode(data: unknown): string | Buffer;
  decode(raw: Buffer): unknown;
}

/**
 * The default serializer: UTF-8 JSON. `encode` takes the text the leader made of this very object to check
 * it, in the same synchronous step, instead of serialising it a second time (see `stringifyForReuse`).
 */
export const jsonSerializer: SyncSerializer = {
  encode: (data) => takeJsonText(data) ?? JSON.stringify(data),
  decode: (raw) => JSON.parse(raw.toString('utf8')),
};
