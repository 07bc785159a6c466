import { Logger } from '@nestjs/common';
import type { Client, Notification } from 'pg';
import { SyncPeerMissingError } from '../../backend/index.js';
import type { PostgresConnection } from './postgres-connection.js';
import { quoteIdentifier } from './postgres-identifiers.js';
import { POSTGRES_LISTENER_RESTORED, POSTGRES_SUBSCRIBER_THREW } from './postgres.messages.js';
import { backoffDelay } from '../shared/index.js';

/** Receives the raw payload of a notification on a channel. */
export type PostgresNotificationHandler = (payload: string) => void;

/** Reconnection delays of the LISTEN connection, ms. */
const BACKOFF = { base: 100, max: 5_000 };

/**
 * The one LISTEN connection of a store, shared by all its subscriptions.
 *
 * LISTEN is tied to a session, so it needs a dedicated `pg.Client` outside the
 * pool (a pooled connection would be handed to other queries, or its channels
 * lost when the pool recycles it). It is opened on the first subscription.
 * When it dies (server restart, `pg_terminate_backend`, network) it reconnects
 * by itself with jittered exponential backoff and re-LISTENs every channel;
 * notifications sent meanwhile are lost, which followers cover by comparing
 * the namespace revision once per interval.
 */
export class PostgresListener {
  private readonly handlers = new Map<string, Set<PostgresNotificationHandler>>();
  private readonly logger: Logger;
  private client?: Client;
  private connecting?: Promise<Client>;
  private reconnectTimer?: NodeJS.Timeout;
  private failures = 0;
  /** Called with true when a (re)connection listens to every channel, false when the listener closes. */
  private waiters: ((ok: boolean) => void)[] = [];
  /** Set from losing a connection until a new one listens again to every channel. */
  private reconnecting = false;
  private closed = false;

  constructor(
    private readonly connection: PostgresConnection,
    /** Shows in pg_stat_activity, so an operator (or a test) can find this connection. */
    private readonly applicationName: string,
  ) {
    this.logger = new Logger(connection.owner);
  }

  /** Delivers `channel`'s notifications to `handler`; resolves once the server listens for this process. */
  async listen(channel: string, handler: PostgresNotificationHandler): Promise<() => Promise<void>> {
    if (this.closed) throw this.connection.failure(`LISTEN on channel "${channel}"`, new Error('it was closed'));
    const handlers = this.handlers.get(channel) ?? new Set<PostgresNotificationHandler>();
    handlers.add(handler);
    this.handlers.set(channel, handlers);
    const remove = () => this.remove(channel, handler);
    // While reconnecting, the channel is picked up by the re-LISTEN of the new connection.
    if (this.reconnecting) return remove;
    let client: Client | undefined;
    try {
      // Also for a channel already listened to: resolving after this LISTEN means after the first
      // one, which may still be in flight. pg runs a client's queries in order, and LISTEN is idempotent.
      client = await this.connect();
      await client.query({ text: `LISTEN ${quoteIdentifier(channel)}` });
      return remove;
    } catch (error) {
      // The connection may have died under this LISTEN (terminated, before its 'end' arrived):
      // treat it as lost and wait for the reconnection, which LISTENs to every channel again.
      if (client && !this.closed && (await this.relistened(client, error))) return remove;
      await remove();
      if (error instanceof SyncPeerMissingError) throw error;
      throw this.connection.failure(`LISTEN on channel "${channel}"`, error);
    }
  }

  /**
   * After a LISTEN failed on `client`: resolves true once a new connection listens again, false if none does in time.
   */
  private relistened(client: Client, error: unknown): Promise<boolean> {
    // Already replaced by a connection that listened to every channel, this one included.
    if (this.client && this.client !== client) return Promise.resolve(true);
    this.lost(client, error instanceof Error ? error : undefined);
    if (!this.reconnecting) return Promise.resolve(false);
    return new Promise((resolve) => {
      const deadline = setTimeout(() => resolve(false), this.connection.connectTimeout + BACKOFF.max);
      deadline.unref();
      this.waiters.push((ok) => {
        clearTimeout(deadline);
        resolve(ok);
      });
    });
  }

  /** Closes the LISTEN connection and stops reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    this.settleWaiters(false);
    clearTimeout(this.reconnectTimer);
    this.handlers.clear();
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async remove(channel: string, handler: PostgresNotificationHandler): Promise<void> {
    const handlers = this.handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    this.handlers.delete(channel);
    // Best effort: a channel left listened on a dead connection disappears with it.
    await this.client?.query({ text: `UNLISTEN ${quoteIdentifier(channel)}` }).catch(() => undefined);
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const client = await this.connection.newClient(this.applicationName);
    // Registered before connect(): an error emitted with no listener would crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => this.deliver(message));
    try {
      await client.connect();
      // Channels added while a LISTEN is in flight are picked up by the next round.
      const listened = new Set<string>();
      for (let pending = this.unlistened(listened); pending.length > 0; pending = this.unlistened(listened)) {
        await client.query(pending.map((c) => `LISTEN ${quoteIdentifier(c)};`).join('\n'));
        for (const channel of pending) listened.add(channel);
      }
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error('closed');
    }
    this.client = client;
    this.reconnecting = false;
    this.settleWaiters(true);
    return client;
  }

  private settleWaiters(ok: boolean): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter(ok);
  }

  private unlistened(listened: ReadonlySet<string>): string[] {
    return [...this.handlers.keys()].filter((channel) => !listened.has(channel));
  }

  private lost(client: Client, error?: Error): void {
    if (client !== this.client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.closed || this.handlers.size === 0) return;
    this.reconnecting = true;
    this.logger.warn(
      this.connection.failure('keep its LISTEN connection', error ?? new Error('connection ended')).message +
        ' Reconnecting.',
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.failures, BACKOFF);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().then(
        () => {
          this.logger.log(POSTGRES_LISTENER_RESTORED(this.failures + 1));
          this.failures = 0;
        },
        () => {
          this.failures++;
          if (!this.closed && this.handlers.size > 0) this.scheduleReconnect();
          else this.reconnecting = false;
        },
      );
    }, delay);
  }

  private deliver({ channel, payload }: Notification): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload ?? '');
      } catch (error) {
        // One faulty subscriber must not starve the others nor kill the connection's event loop.
        this.logger.error(POSTGRES_SUBSCRIBER_THREW(channel, error instanceof Error ? error.message : String(error)));
      }
    }
  }
}
