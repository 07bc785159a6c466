import { PostgresConnection } from './postgres-connection.js';
import type { PostgresConnectionOptions } from './postgres-connection.js';
import { channelName, validateIdentifier } from './postgres-identifiers.js';
import { PostgresListener } from './postgres-listener.js';
import { postgresStoreQueries } from './postgres-store.queries.js';
import { decodeData, encodeData, headOf } from './postgres-store.rows.js';
import type { HeadRow, RecordRow } from './postgres-store.rows.js';
import type { PostgresStoreQueries } from './postgres-store.queries.js';
import { PostgresSchemaGuard, postgresStoreSchemaSql } from './postgres.schema.js';
import type { PostgresStoreTables } from './postgres.schema.js';
import { jsonSerializer } from '../../backend/index.js';
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
  decodeEvent,
  inlineMaxBytesOption,
  isJsonSerializer,
} from '../shared/index.js';
import type { InlineRule, RecordCompression } from '../shared/index.js';
import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import { PostgresHeartbeats } from './postgres-heartbeat.js';

const OWNER = 'PostgresSyncStore';
/** NOTIFY refuses a payload of this many bytes or more. */
const NOTIFY_LIMIT = 8_000;
/** Room left for the revision the statement appends, and the closing brace. */
const REVISION_ROOM = 21;

/** Options of `PostgresSyncStore`. */
export interface PostgresSyncStoreOptions extends PostgresConnectionOptions {
  /** Table of the snapshots, one row per (namespace, tag) (default `sync_snapshots`). */
  table?: string;
  /** Table of the namespace change counters (default `sync_revisions`). */
  revisionTable?: string;
  /**
   * How data becomes bytes. Left out, data is stored as `jsonb` (readable in SQL; object key
   * order is not kept); a custom serializer stores the bytes it makes in a `bytea` column.
   */
  serializer?: SyncSerializer;
  /** Table of the heartbeats of the fleet view, one row per live process (default `sync_instances`). */
  instanceTable?: string;
  /**
   * Largest encoded snapshot (bytes) sent with its change notification, so followers install it without a
   * read (default 4096; 0: never; at most 8000, NOTIFY's payload limit, which the whole event must fit).
   */
  inlineMaxBytes?: number;
  /** Compresses snapshots larger than `compressAbove` (default false). Readers of any setting read every record. */
  compression?: 'gzip' | 'brotli' | false;
  /** Bytes above which an encoded snapshot is compressed, when `compression` is on (default 65536). */
  compressAbove?: number;
}

/** Table names from options, checked. */
function tablesOf(options: Pick<PostgresSyncStoreOptions, 'schema' | 'table' | 'revisionTable'>): PostgresStoreTables {
  return {
    schema: validateIdentifier(OWNER, 'schema', options.schema, 'public'),
    table: validateIdentifier(OWNER, 'table', options.table, 'sync_snapshots'),
    revisionTable: validateIdentifier(OWNER, 'revisionTable', options.revisionTable, 'sync_revisions'),
  };
}

/**
 * A `SyncStore` in PostgreSQL: one row per snapshot, a change counter per
 * namespace, and LISTEN/NOTIFY for change events.
 *
 * Every call is one statement (a write is one CTE: fence check, counter bump,
 * upsert and NOTIFY, atomic together). Versions are stored as `jsonb` numbers
 * or strings, so `5` and `'5'` stay apart. Subscriptions share one dedicated
 * LISTEN connection that reconnects by itself. Tables are created on
 * `connect()` or first use unless `autoCreate: false`.
 *
 * @example new PostgresSyncStore({ pool }) // or { connectionString: process.env.DATABASE_URL }
 */
export class PostgresSyncStore implements SyncStore {
  private readonly connection: PostgresConnection;
  private readonly tables: PostgresStoreTables;
  private readonly queries: PostgresStoreQueries;
  private readonly schemaGuard: PostgresSchemaGuard;
  private readonly serializer?: SyncSerializer;
  private listener?: PostgresListener;
  private readonly heartbeats: PostgresHeartbeats;
  private readonly inline: InlineRule;
  private readonly compression: RecordCompression;

  /** The DDL this store runs (when `autoCreate` is on), to run by hand or show in a migration. */
  static schemaSql(options: Pick<PostgresSyncStoreOptions, 'schema' | 'table' | 'revisionTable'> = {}): string {
    return postgresStoreSchemaSql(tablesOf(options));
  }

  constructor(options: PostgresSyncStoreOptions) {
    this.connection = new PostgresConnection(OWNER, options);
    this.tables = tablesOf(options);
    const serializer = checkSerializer(OWNER, options.serializer);
    // The default JSON goes to a jsonb column (readable in SQL); only a custom serializer's bytes go to bytea.
    if (serializer !== undefined && serializer !== jsonSerializer) this.serializer = serializer;
    this.inline = {
      maxBytes: inlineMaxBytesOption(OWNER, options.inlineMaxBytes, NOTIFY_LIMIT),
      json: isJsonSerializer(this.serializer),
    };
    this.compression = compressionOption(OWNER, options);
    this.queries = postgresStoreQueries(this.tables);
    this.heartbeats = new PostgresHeartbeats(this.connection, OWNER, options.instanceTable);
    const { table, revisionTable } = this.tables;
    this.schemaGuard = new PostgresSchemaGuard(
      this.connection,
      [table, revisionTable],
      postgresStoreSchemaSql(this.tables),
    );
  }

  /** Checks the database answers and creates the tables if needed; rejects with a `SyncConnectionError`. */
  connect(): Promise<void> {
    return this.schemaGuard.ensure();
  }

  async read<T = unknown>(namespace: string, tag: string): Promise<StoredSyncRecord<T> | undefined> {
    const row = (await this.run<RecordRow>('read a snapshot', this.queries.read, [namespace, tag])).rows[0];
    if (!row) return undefined;
    return { tag, ...headOf(row), data: await decodeData<T>(OWNER, tag, row, this.serializer) };
  }

  async write(namespace: string, record: SyncRecord): Promise<SyncWriteResult> {
    const { json, bytes, encoded, compressed } = await encodeData(
      OWNER,
      record.tag,
      record.data,
      this.serializer,
      this.compression,
    );
    const times = [Math.round(record.modifiedAt), Math.round(record.checkedAt)];
    const kept = { ...record, modifiedAt: times[0], checkedAt: times[1] };
    let event = changeEventHead(record.tag, kept, compressed ? undefined : encoded, this.inline);
    // The whole payload must fit NOTIFY's limit: an event too large with its data goes without it.
    if (Buffer.byteLength(event) + REVISION_ROOM >= NOTIFY_LIMIT)
      event = changeEventHead(record.tag, kept, undefined, this.inline);
    const values = [
      namespace,
      record.tag,
      JSON.stringify(record.version),
      json,
      bytes,
      ...times,
      record.fence,
      this.channel(namespace),
      event,
    ];
    const [row] = (
      await this.run<{ revision: string | null; fence: string | null }>('write a snapshot', this.queries.write, values)
    ).rows;
    if (row?.revision != null) return { accepted: true, revision: Number(row.revision) };
    if (row?.fence != null) return { accepted: false, fence: Number(row.fence) };
    // Refused by a concurrent first insert, which this statement's snapshot could not see.
    const [stored] = (await this.run<{ fence: string }>('read a fence', this.queries.fence, [namespace, record.tag]))
      .rows;
    return { accepted: false, fence: Number(stored?.fence ?? record.fence) };
  }

  async touch(
    namespace: string,
    tag: string,
    version: SyncVersion,
    checkedAt: number,
    fence: number,
  ): Promise<SyncTouchResult> {
    const values = [namespace, tag, Math.round(checkedAt), fence, JSON.stringify(version)];
    const { rows } = await this.run<{ result: SyncTouchResult }>('touch a snapshot', this.queries.touch, values);
    return rows[0].result;
  }

  /** Every check in one statement (`UPDATE … FROM unnest(…)`), judged as `touch` judges one. */
  async touchMany(namespace: string, touches: readonly SyncTouch[], fence: number): Promise<SyncTouchResult[]> {
    if (touches.length === 0) return [];
    const values = [
      namespace,
      touches.map(({ tag }) => tag),
      touches.map(({ checkedAt }) => Math.round(checkedAt)),
      fence,
      touches.map(({ version }) => JSON.stringify(version)),
    ];
    const { rows } = await this.run<{ result: SyncTouchResult }>('touch snapshots', this.queries.touchMany, values);
    return rows.map(({ result }) => result);
  }

  async revision(namespace: string): Promise<number> {
    const { rows } = await this.run<{ revision: string }>('read a revision', this.queries.revision, [namespace]);
    return rows[0] ? Number(rows[0].revision) : 0;
  }

  async heads(namespace: string): Promise<Map<string, SyncRecordHead>> {
    const { rows } = await this.run<HeadRow & { tag: string }>('read the heads', this.queries.heads, [namespace]);
    return new Map(rows.map((row) => [row.tag, { tag: row.tag, ...headOf(row) }]));
  }

  async publish(namespace: string, event: SyncStoreEvent): Promise<void> {
    await this.connection.query('publish an event', this.queries.publish, [
      this.channel(namespace),
      JSON.stringify(event),
    ]);
  }

  async subscribe(namespace: string, listener: (event: SyncStoreEvent) => void): Promise<SyncSubscription> {
    this.listener ??= new PostgresListener(this.connection, `nestjs-version-sync:listen:${this.tables.schema}`);
    const unlisten = await this.listener.listen(this.channel(namespace), (payload) => {
      const event = decodeEvent(payload, this.serializer);
      if (event) listener(event);
    });
    let active = true;
    return {
      unsubscribe: async () => {
        if (!active) return;
        active = false;
        await unlisten();
      },
    };
  }

  /** Closes the LISTEN connection and the pool this store created; a passed-in pool stays open. */
  async close(): Promise<void> {
    await this.listener?.close();
    await this.connection.close();
  }

  /** The fleet view: see `PostgresHeartbeats` (one row per live process, in table `instanceTable`). */
  heartbeat(namespace: string, beat: SyncHeartbeat, ttlMs: number): Promise<void> {
    return this.heartbeats.beat(namespace, beat, ttlMs);
  }

  renewHeartbeat(namespace: string, instance: string, ttlMs: number): Promise<boolean> {
    return this.heartbeats.renew(namespace, instance, ttlMs);
  }

  instances(namespace: string): Promise<SyncHeartbeat[]> {
    return this.heartbeats.instances(namespace);
  }

  leave(namespace: string, instance: string): Promise<void> {
    return this.heartbeats.leave(namespace, instance);
  }

  private channel(namespace: string): string {
    return channelName(this.tables.schema, this.tables.table, namespace);
  }

  private async run<R extends object>(action: string, text: string, values: unknown[]) {
    await this.schemaGuard.ensure();
    return this.connection.query<R & Record<string, unknown>>(action, text, values);
  }
}
