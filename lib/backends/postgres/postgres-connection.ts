import { Logger } from '@nestjs/common';
import type { Client, ClientConfig, Pool, PoolClient, PoolConfig, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { SyncError, type SyncConnectionError } from '../../backend/index.js';
import { BoundedCaller, durationOption, invalidOption, optionalPeer, redactUrl, secretsOf } from '../shared/index.js';
import {
  FIX_POSTGRES_AUTO_CREATE,
  FIX_POSTGRES_BOTH,
  FIX_POSTGRES_MISSING,
  FIX_POSTGRES_OPTIONS,
  FIX_POSTGRES_POOL,
  FIX_POSTGRES_URL,
  POSTGRES,
  postgresHint,
} from './postgres.messages.js';
import { validateIdentifier } from './postgres-identifiers.js';

/** Options shared by `PostgresSyncStore` and `PostgresSyncLock`. */
export interface PostgresConnectionOptions {
  /** A `pg.Pool` the application owns. It is used as is and never ended by `close()`. */
  pool?: Pool;
  /**
   * Where to connect, e.g. `postgres://user:secret@db:5432/app`, when no `pool` is given.
   * The backend then opens its own small pool (5 connections) and ends it on `close()`.
   */
  connectionString?: string;
  /** Schema of the tables (default `public`). Letters, digits and `_` only. */
  schema?: string;
  /** Create the schema and tables on `connect()` or first use when missing (default `true`). */
  autoCreate?: boolean;
  /** ms to wait for a connection before a call fails (default 5 000). */
  connectTimeout?: number;
  /** ms a statement may run before a call fails (default 10 000). */
  queryTimeout?: number;
}

/** pg, an optional peer: loaded only to open a pool from `connectionString` or the LISTEN connection. */
const loadPg = optionalPeer('pg', '^8', () => import('pg'));

const DEFAULT_CONNECT_TIMEOUT = 5_000;
const DEFAULT_QUERY_TIMEOUT = 10_000;
/** Small on purpose: every statement is one short round trip, and each process has a store and a lock. */
const OWN_POOL_SIZE = 5;

function isPool(value: unknown): value is Pool {
  const candidate = value as { query?: unknown; connect?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.query === 'function' &&
    typeof candidate.connect === 'function'
  );
}

/**
 * The pool of a PostgreSQL backend and the rules around it: option checks,
 * ownership (only a pool created here is ended), bounded time for every call,
 * and errors that say where and why without ever showing a password.
 * A pool from `connectionString` is created at the first call (connect() at
 * bootstrap), as that is when pg, an optional peer, is loaded.
 */
export class PostgresConnection {
  /** The pool passed in, or ours once created. */
  private pool: Pool | undefined;
  /** Settings of our pool, before it exists; a passed-in pool has its own `options`. */
  private readonly poolConfig: PoolConfig | undefined;
  private creating: Promise<Pool> | undefined;
  readonly schema: string;
  readonly autoCreate: boolean;
  /** ms a connection attempt may take. */
  readonly connectTimeout: number;
  private readonly queryTimeout: number;
  private readonly owned: boolean;
  private readonly caller: BoundedCaller;
  private ending?: Promise<void>;

  constructor(
    /** Class name of the backend, used in messages. */
    readonly owner: string,
    options: PostgresConnectionOptions,
  ) {
    if (typeof options !== 'object' || options === null) {
      throw invalidOption(owner, 'options', options, FIX_POSTGRES_OPTIONS);
    }
    const { pool, connectionString } = options;
    this.schema = validateIdentifier(owner, 'schema', options.schema, 'public');
    this.connectTimeout = durationOption(owner, 'connectTimeout', options.connectTimeout, DEFAULT_CONNECT_TIMEOUT);
    this.queryTimeout = durationOption(owner, 'queryTimeout', options.queryTimeout, DEFAULT_QUERY_TIMEOUT);
    if (options.autoCreate !== undefined && typeof options.autoCreate !== 'boolean') {
      throw invalidOption(owner, 'autoCreate', options.autoCreate, FIX_POSTGRES_AUTO_CREATE);
    }
    this.autoCreate = options.autoCreate ?? true;
    if (pool !== undefined && connectionString !== undefined) {
      const given = typeof connectionString === 'string' ? redactUrl(connectionString) : connectionString;
      throw invalidOption(owner, 'connectionString', given, FIX_POSTGRES_BOTH);
    }
    let target: string;
    let secrets: string[];
    if (pool !== undefined) {
      if (!isPool(pool)) throw invalidOption(owner, 'pool', pool, FIX_POSTGRES_POOL);
      this.pool = pool;
      this.owned = false;
      secrets = secretsOf(pool.options?.connectionString);
      const { host = 'localhost', port = 5432, database = '' } = pool.options ?? {};
      target = pool.options?.connectionString
        ? redactUrl(pool.options.connectionString)
        : `the given pool (${host}:${port}/${database})`;
    } else {
      if (connectionString === undefined) throw invalidOption(owner, 'pool', pool, FIX_POSTGRES_MISSING);
      if (typeof connectionString !== 'string' || connectionString.trim() === '') {
        throw invalidOption(owner, 'connectionString', connectionString, FIX_POSTGRES_URL);
      }
      secrets = secretsOf(connectionString);
      target = redactUrl(connectionString);
      this.owned = true;
      this.poolConfig = this.ownPoolConfig(connectionString);
    }
    this.caller = new BoundedCaller({ owner, server: POSTGRES, target, secrets, hint: postgresHint });
  }

  /** `PostgreSQL at <redacted URL>`: the server as messages name it. */
  get where(): string {
    return this.caller.where;
  }

  /** Runs one statement in bounded time; any failure becomes a `SyncConnectionError`. */
  query<R extends QueryResultRow = QueryResultRow>(
    action: string,
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>> {
    return this.bounded(
      action,
      this.obtain().then((pool) => pool.query<R>(this.statement(text, values))),
    );
  }

  /**
   * Runs `work` on one pooled client, for what must share a session. A client
   * whose work failed is destroyed, not returned, so no session state (such as
   * a session advisory lock) outlives a failure.
   */
  async session<T>(action: string, work: (run: (text: string) => Promise<unknown>) => Promise<T>): Promise<T> {
    const pending = this.obtain().then((pool) => pool.connect());
    let client: PoolClient;
    try {
      client = await this.bounded(action, pending);
    } catch (error) {
      pending.then(
        (late) => late.release(),
        () => undefined,
      );
      throw error;
    }
    try {
      const result = await work((text) => this.bounded(action, client.query(this.statement(text))));
      client.release();
      return result;
    } catch (error) {
      client.release(true);
      throw error instanceof SyncError ? error : this.failure(action, error);
    }
  }

  /** A statement with the per-query timeout, which pg applies even on a passed-in pool. */
  private statement(text: string, values?: unknown[]): QueryConfig {
    return { text, values, query_timeout: this.queryTimeout } as QueryConfig;
  }

  /**
   * Settles with `work` or fails after connect + query timeouts: pg bounds a statement (query_timeout)
   * but waits for a pooled connection as long as the pool's own connectionTimeoutMillis says,
   * which is forever by default in a passed-in pool.
   */
  private bounded<T>(action: string, work: Promise<T>): Promise<T> {
    return this.caller.call(action, work, this.connectTimeout + this.queryTimeout);
  }

  /** The `SyncConnectionError` for `action`, with the redacted server and a hint. */
  failure(action: string, cause: unknown): SyncConnectionError {
    return this.caller.failure(action, cause);
  }

  /** A dedicated client (the LISTEN connection), not connected, to the same server as the pool. */
  async newClient(applicationName: string): Promise<Client> {
    const pg = (await loadPg(this.owner)).default;
    return new pg.Client(this.clientConfig(applicationName));
  }

  /** Settings for a dedicated client (the LISTEN connection) to the same server as the pool. */
  private clientConfig(applicationName: string): ClientConfig {
    return {
      ...((this.poolConfig ?? this.pool?.options) as ClientConfig | undefined),
      application_name: applicationName.slice(0, 63),
      connectionTimeoutMillis: this.connectTimeout,
      query_timeout: this.queryTimeout,
      keepAlive: true,
    };
  }

  /** Ends the pool if this connection created it; a passed-in pool is left alone. Idempotent. */
  close(): Promise<void> {
    if (!this.owned) return Promise.resolve();
    // Not created yet: nothing to end, and obtain() creates none any more.
    this.ending ??= (this.creating ?? Promise.resolve(this.pool)).then((pool) => pool?.end()).catch(() => undefined);
    return this.ending;
  }

  /** The pool: the one passed in, or ours, created (and pg loaded) at the first call. */
  private obtain(): Promise<Pool> {
    if (this.pool) return Promise.resolve(this.pool);
    if (this.ending) return Promise.reject(new Error('Cannot use a pool after calling end on the pool'));
    this.creating ??= this.createPool().finally(() => (this.creating = undefined));
    return this.creating;
  }

  private ownPoolConfig(connectionString: string): PoolConfig {
    return {
      connectionString,
      max: OWN_POOL_SIZE,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: this.connectTimeout,
      query_timeout: this.queryTimeout,
      statement_timeout: this.queryTimeout,
      keepAlive: true,
      // Names the schema so an operator can tell which app's connections these are.
      application_name: `nestjs-version-sync:${this.schema}`.slice(0, 63),
    };
  }

  private async createPool(): Promise<Pool> {
    const pg = (await loadPg(this.owner)).default;
    const pool = new pg.Pool(this.poolConfig);
    // An idle pooled connection that dies (server restart, network) emits 'error' on the pool;
    // unhandled, that would crash the process. The pool drops the client and opens a new one on demand.
    const logger = new Logger(this.owner);
    pool.on('error', (error) => logger.warn(this.failure('keep an idle connection', error).message));
    this.pool = pool;
    return pool;
  }
}
