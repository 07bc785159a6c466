/**
 * How a remote store turns data into bytes and back. The default is JSON;
 * a custom one (MessagePack, compression...) must round-trip every value its
 * callbacks return. `decode` runs once per version per process.
 */
export interface SyncSerializer {
  encode(data: unknown): string | Buffer;
  decode(raw: Buffer): unknown;
}

/** The default serializer: UTF-8 JSON. */
export const jsonSerializer: SyncSerializer = {
  encode: (data) => JSON.stringify(data),
  decode: (raw) => JSON.parse(raw.toString('utf8')),
};
