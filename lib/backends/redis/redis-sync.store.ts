import type { RedisConnectionOptions } from './redis-client.factory.js';
import { RedisConnection } from './redis-connection.js';
import { RedisKeys, validateKeyPrefix } from './redis-keys.js';
import { HEAD_FIELDS, HEADS_SCRIPT, TOUCH_MANY_SCRIPT, TOUCH_SCRIPT, WRITE_SCRIPT } from './redis.scripts.js';
import { RedisSubscriber } from './redis-subscriber.js';
import { jsonSerializer } from '../../backend/index.js';
import { RedisHeartbeats } from './redis-heartbeat.js';
import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import type {
  SyncSerializer,
  SyncVersion,
  StoredSyncRecord,
  SyncRecord,
  SyncRecordHead,
  SyncStore,
  SyncStoreEvent,
  SyncSubscription,
  SyncTouch,
  SyncTouchResult,
  SyncWriteResult,
} from '../../backend/index.js';
import {
  changeEventHead,
  checkSerializer,
  compressionOption,
  compressRecordData,
  decodeEvent,
  decodeRecordData,
  encodeRecordData,
  inflateRecordData,
  inlineMaxBytesOption,
  isJsonSerializer,
} from '../shared/index.js';
import type { InlineRule, RecordCompression } from '../shared/index.js';

/** Options of `RedisSyncStore`: a client or a URL, plus the key prefix, timeout, serializer and wire format. */
export interface RedisSyncStoreOptions extends RedisConnectionOptions {
  /** Turns data into bytes and back (default JSON). Every process of a namespace must use the same one. */
  serializer?: SyncSerializer;
  /**
   * Largest encoded snapshot (bytes) published with its change event, so followers install it without a read
   * (default 4096; 0: never).
   */
  inlineMaxBytes?: number;
  /** Compresses snapshots larger than `compressAbove` (default false). Readers of any setting read every record. */
  compression?: 'gzip' | 'brotli' | false;
  /** Bytes above which an encoded snapshot is compressed, when `compression` is on (default 65536). */
  compressAbove?: number;
}

const OWNER = 'RedisSyncStore';
/** Fields `read` fetches with one HMGET: the hash is written by one script, so they always belong together. */
const RECORD_FIELDS = ['data', ...HEAD_FIELDS];

/** The type marker stored beside a version. */
function typeOfVersion(version: SyncVersion): 'n' | 's' {
  return typeof version === 'number' ? 'n' : 's';
}

/** `'n'` marks a number version, `'s'` a string: Redis keeps only strings, and `5 !== '5'`. */
function versionOf(raw: string, type: string): SyncVersion {
  if (type === 'n') return Number(raw);
  if (type === 's') return raw;
  // Anything else was written behind the store's back: no valid version, which the module
  // reports as a corrupt record of that one tag (a throw here would fail heads() for all).
  return Number.NaN;
}

/** A touch script's code as a result: 1 touched, 0 fenced, anything else absent. */
function touchResultOf(code: unknown): SyncTouchResult {
  return code === 1 ? 'touched' : code === 0 ? 'fenced' : 'absent';
}

/** A record's head from its HEAD_FIELDS values, in that order (as HMGET and the heads script return them). */
function headOf(tag: string, [version, type, modifiedAt, checkedAt, fence, revision]: string[]): SyncRecordHead {
  return {
    tag,
    version: versionOf(version, type),
    modifiedAt: Number(modifiedAt),
    checkedAt: Number(checkedAt),
    fence: Number(fence),
    revision: Number(revision),
  };
}

/**
 * A `SyncStore` in Redis (ioredis), for applications that run several
 * processes: one hash per task, a namespace-wide revision counter, and change
 * events on a pub/sub channel, all under one Cluster hash tag per namespace.
 *
 * Each method is one round trip: `write` and `touch` are Lua scripts that
 * check the fence, `read` one HMGET, `heads` one script, `revision` one GET.
 * Every call settles within the `timeout` option, with a `SyncConnectionError`
 * when Redis is down. Subscriptions share one dedicated connection.
 *
 * @example new RedisSyncStore({ url: 'redis://localhost:6379' })
 * @example new RedisSyncStore({ client: app.get(Redis), keyPrefix: 'myapp:sync' })
 */
export class RedisSyncStore implements SyncStore {
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly serializer: SyncSerializer;
  private readonly subscriber: RedisSubscriber<SyncStoreEvent>;
  private readonly inline: InlineRule;
  private readonly compression: RecordCompression;

  constructor(options: RedisSyncStoreOptions) {
    const { keyPrefix } = options ?? {};
    this.serializer = checkSerializer(OWNER, options?.serializer) ?? jsonSerializer;
    this.inline = {
      maxBytes: inlineMaxBytesOption(OWNER, options?.inlineMaxBytes),
      json: isJsonSerializer(this.serializer),
    };
    this.compression = compressionOption(OWNER, options ?? {});
    this.keys = new RedisKeys(OWNER, validateKeyPrefix(OWNER, keyPrefix));
    this.connection = new RedisConnection(OWNER, options);
    this.subscriber = new RedisSubscriber(this.connection, (message) => decodeEvent(message, this.serializer));
  }

  /** Connects and PINGs; rejects with a `SyncConnectionError` saying what to check. */
  connect(): Promise<void> {
    return this.connection.connect();
  }

  async read<T = unknown>(namespace: string, tag: string): Promise<StoredSyncRecord<T> | undefined> {
    const key = this.keys.of(namespace).record(this.keys.tag(tag));
    const [data, ...head] = await this.connection.call('read a snapshot', (client) =>
      client.hmgetBuffer(key, ...RECORD_FIELDS),
    );
    if (!data || !head[0] || !head[1]) return undefined;
    const bytes = await inflateRecordData(OWNER, tag, data);
    const decoded = decodeRecordData<T>(OWNER, tag, () => this.serializer.decode(bytes));
    return { ...headOf(tag, head.map(String)), data: decoded };
  }

  async write(namespace: string, record: SyncRecord): Promise<SyncWriteResult> {
    const keys = this.keys.of(namespace);
    const tag = this.keys.tag(record.tag);
    const encoded = encodeRecordData(OWNER, tag, () => this.serializer.encode(record.data));
    const { data, compressed } = await compressRecordData(encoded, this.compression);
    // The script appends the revision it assigns, so the event is built here with exact JSON numbers.
    const eventWithoutRevision = changeEventHead(tag, record, compressed ? undefined : encoded, this.inline);
    const [accepted, value] = (await this.connection.call('write a snapshot', (client) =>
      WRITE_SCRIPT.run(
        client,
        [keys.record(tag), keys.revision, keys.tags],
        [
          tag,
          String(record.version),
          typeOfVersion(record.version),
          data,
          String(record.modifiedAt),
          String(record.checkedAt),
          String(record.fence),
          keys.channel,
          eventWithoutRevision,
        ],
      ),
    )) as [number, number];
    return accepted === 1 ? { accepted: true, revision: Number(value) } : { accepted: false, fence: Number(value) };
  }

  async touch(
    namespace: string,
    tag: string,
    version: SyncVersion,
    checkedAt: number,
    fence: number,
  ): Promise<SyncTouchResult> {
    const key = this.keys.of(namespace).record(this.keys.tag(tag));
    const args = [String(checkedAt), String(fence), String(version), typeOfVersion(version)];
    const result = await this.connection.call('touch a snapshot', (client) => TOUCH_SCRIPT.run(client, [key], args));
    return touchResultOf(result);
  }

  /** Every check in one script: the namespace's keys share one hash tag, so a Cluster runs it on one node. */
  async touchMany(namespace: string, touches: readonly SyncTouch[], fence: number): Promise<SyncTouchResult[]> {
    if (touches.length === 0) return [];
    const keys = this.keys.of(namespace);
    const recordKeys = touches.map(({ tag }) => keys.record(this.keys.tag(tag)));
    const args = [String(fence)];
    for (const { checkedAt, version } of touches) args.push(String(checkedAt), String(version), typeOfVersion(version));
    const results = (await this.connection.call('touch snapshots', (client) =>
      TOUCH_MANY_SCRIPT.run(client, recordKeys, args),
    )) as number[];
    return results.map(touchResultOf);
  }

  async revision(namespace: string): Promise<number> {
    const key = this.keys.of(namespace).revision;
    return Number((await this.connection.call('read a revision', (client) => client.get(key))) ?? 0);
  }

  async heads(namespace: string): Promise<Map<string, SyncRecordHead>> {
    const keys = this.keys.of(namespace);
    // The script builds record keys itself, so it must add the client's own ioredis keyPrefix, if any
    // (read in the call: a client created from `url` exists only from then).
    const flat = (await this.connection.call('read the heads', (client) =>
      HEADS_SCRIPT.run(client, [keys.tags], [`${this.connection.clientKeyPrefix()}${keys.recordPrefix}`]),
    )) as string[];
    const heads = new Map<string, SyncRecordHead>();
    const width = HEAD_FIELDS.length + 1;
    for (let i = 0; i + width <= flat.length; i += width) {
      const [tag, ...head] = flat.slice(i, i + width).map(String);
      heads.set(tag, headOf(tag, head));
    }
    return heads;
  }

  async publish(namespace: string, event: SyncStoreEvent): Promise<void> {
    const channel = this.keys.of(namespace).channel;
    await this.connection.call('publish an event', (client) => client.publish(channel, JSON.stringify(event)));
  }

  async subscribe(namespace: string, listener: (event: SyncStoreEvent) => void): Promise<SyncSubscription> {
    const unsubscribe = await this.subscriber.subscribe(this.keys.of(namespace).channel, listener);
    return { unsubscribe };
  }

  /** Closes the subscriber connection, and the client if it was created from `url` (never a client passed in). */
  async close(): Promise<void> {
    await this.subscriber.close();
    await this.connection.close();
  }

  /** The fleet view: see `RedisHeartbeats` (a hash and an expiry sorted set per namespace). */
  heartbeat(namespace: string, beat: SyncHeartbeat, ttlMs: number): Promise<void> {
    return this.heartbeats.beat(this.keys.of(namespace).base, beat, ttlMs);
  }

  renewHeartbeat(namespace: string, instance: string, ttlMs: number): Promise<boolean> {
    return this.heartbeats.renew(this.keys.of(namespace).base, instance, ttlMs);
  }

  instances(namespace: string): Promise<SyncHeartbeat[]> {
    return this.heartbeats.instances(this.keys.of(namespace).base);
  }

  leave(namespace: string, instance: string): Promise<void> {
    return this.heartbeats.leave(this.keys.of(namespace).base, instance);
  }

  private get heartbeats(): RedisHeartbeats {
    return (this.heartbeatsOnce ??= new RedisHeartbeats(this.connection));
  }

  private heartbeatsOnce: RedisHeartbeats | undefined;
}
