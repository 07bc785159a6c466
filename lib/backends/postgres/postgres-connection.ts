import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { ClientConfig, Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import type { SyncConnectionError } from '../../backend/index.js';
import { connectionFailure, redactConnectionString, secretsOf } from './postgres.messages.js';
import { invalidOption, validateIdentifier } from './postgres-identifiers.js';

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

const DEFAULT_CONNECT_TIMEOUT = 5_000;
const DEFAULT_QUERY_TIMEOUT = 10_000;
/** Small on purpose: every statement is one short round trip, and each process has a store and a lock. */
const OWN_POOL_SIZE = 5;

function positiveMs(owner: string, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw invalidOption(
    owner,
    option,
    value,
    `Use a finite number of milliseconds greater than 0, or leave it out (default ${fallback}).`,
  );
}

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
 */
export class PostgresConnection {
  readonly pool: Pool;
  readonly schema: string;
  readonly autoCreate: boolean;
  /** The server, for messages: the redacted URL, or the host of a passed-in pool. */
  readonly target: string;
  private readonly owned: boolean;
  private readonly secrets: string[];
  /** ms a connection attempt may take. */
  readonly connectTimeout: number;
  private readonly queryTimeout: number;
  private ending?: Promise<void>;

  constructor(
    /** Class name of the backend, used in messages. */
    readonly owner: string,
    options: PostgresConnectionOptions,
  ) {
    if (typeof options !== 'object' || options === null) {
      throw invalidOption(owner, 'options', options, 'Pass an object with a "pool" or a "connectionString".');
    }
    const { pool, connectionString } = options;
    this.schema = validateIdentifier(owner, 'schema', options.schema, 'public');
    this.connectTimeout = positiveMs(owner, 'connectTimeout', options.connectTimeout, DEFAULT_CONNECT_TIMEOUT);
    this.queryTimeout = positiveMs(owner, 'queryTimeout', options.queryTimeout, DEFAULT_QUERY_TIMEOUT);
    if (options.autoCreate !== undefined && typeof options.autoCreate !== 'boolean') {
      throw invalidOption(owner, 'autoCreate', options.autoCreate, 'Use true (create missing tables) or false.');
    }
    this.autoCreate = options.autoCreate ?? true;
    if (pool !== undefined && connectionString !== undefined) {
      const given = typeof connectionString === 'string' ? redactConnectionString(connectionString) : connectionString;
      throw invalidOption(owner, 'connectionString', given, 'Pass either "pool" or "connectionString", not both.');
    }
    if (pool !== undefined) {
      if (!isPool(pool)) {
        throw invalidOption(
          owner,
          'pool',
          pool,
          'Pass a pg Pool (new Pool(...) from the "pg" package), or a "connectionString" instead.',
        );
      }
      this.pool = pool;
      this.owned = false;
      this.secrets = secretsOf(pool.options?.connectionString);
      const { host = 'localhost', port = 5432, database = '' } = pool.options ?? {};
      this.target = pool.options?.connectionString
        ? redactConnectionString(pool.options.connectionString)
        : `the given pool (${host}:${port}/${database})`;
      return;
    }
    if (connectionString === undefined) {
      throw invalidOption(
        owner,
        'pool',
        pool,
        'Neither "pool" nor "connectionString" was given: pass a pg Pool as "pool", or a URL such as ' +
          '"postgres://user:password@host:5432/database" as "connectionString".',
      );
    }
    if (typeof connectionString !== 'string' || connectionString.trim() === '') {
      throw invalidOption(
        owner,
        'connectionString',
        connectionString,
        'Pass a URL such as "postgres://user:password@host:5432/database", or a pg Pool as "pool".',
      );
    }
    this.secrets = secretsOf(connectionString);
    this.target = redactConnectionString(connectionString);
    this.owned = true;
    this.pool = this.createPool(connectionString);
  }

  /** Runs one statement in bounded time; any failure becomes a `SyncConnectionError`. */
  async query<R extends QueryResultRow = QueryResultRow>(
    action: string,
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>> {
    try {
      return await this.bounded(this.pool.query<R>(this.statement(text, values)));
    } catch (error) {
      throw this.failure(action, error);
    }
  }

  /**
   * Runs `work` on one pooled client, for what must share a session. A client
   * whose work failed is destroyed, not returned, so no session state (such as
   * a session advisory lock) outlives a failure.
   */
  async session<T>(action: string, work: (run: (text: string) => Promise<unknown>) => Promise<T>): Promise<T> {
    const pending = this.pool.connect();
    let client: PoolClient;
    try {
      client = await this.bounded(pending);
    } catch (error) {
      pending.then(
        (late) => late.release(),
        () => undefined,
      );
      throw this.failure(action, error);
    }
    try {
      const result = await work((text) => this.bounded(client.query(this.statement(text))));
      client.release();
      return result;
    } catch (error) {
      client.release(true);
      throw this.failure(action, error);
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
  private async bounded<T>(work: Promise<T>): Promise<T> {
    const limit = this.connectTimeout + this.queryTimeout;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout: no answer within ${limit} ms`)), limit);
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The `SyncConnectionError` for `action`, with the redacted target and a hint. */
  failure(action: string, cause: unknown): SyncConnectionError {
    return connectionFailure(this.owner, action, this.target, cause, this.secrets);
  }

  /** Settings for a dedicated client (the LISTEN connection) to the same server as the pool. */
  clientConfig(applicationName: string): ClientConfig {
    return {
      ...(this.pool.options ?? {}),
      application_name: applicationName.slice(0, 63),
      connectionTimeoutMillis: this.connectTimeout,
      query_timeout: this.queryTimeout,
      keepAlive: true,
    };
  }

  /** Ends the pool if this connection created it; a passed-in pool is left alone. Idempotent. */
  close(): Promise<void> {
    if (!this.owned) return Promise.resolve();
    this.ending ??= this.pool.end().catch(() => undefined);
    return this.ending;
  }

  private createPool(connectionString: string): Pool {
    const pool = new pg.Pool({
      connectionString,
      max: OWN_POOL_SIZE,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: this.connectTimeout,
      query_timeout: this.queryTimeout,
      statement_timeout: this.queryTimeout,
      keepAlive: true,
      // Names the schema so an operator can tell which app's connections these are.
      application_name: `nestjs-version-sync:${this.schema}`.slice(0, 63),
    });
    // An idle pooled connection that dies (server restart, network) emits 'error' on the pool;
    // unhandled, that would crash the process. The pool drops the client and opens a new one on demand.
    const logger = new Logger(this.owner);
    pool.on('error', (error) => logger.warn(this.failure('keep an idle connection', error).message));
    return pool;
  }
}
