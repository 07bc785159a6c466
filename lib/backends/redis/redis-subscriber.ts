import type { RedisClient } from './redis-client.factory.js';
import type { RedisConnection } from './redis-connection.js';

/** Receives the decoded messages of one channel. */
export type RedisChannelListener<T> = (message: T) => void;

/**
 * The one pub/sub connection of a store, shared by all its subscriptions.
 *
 * It is a duplicate of the store's client, opened at the first subscription
 * and closed when the last one ends (or at `close()`). Each message is decoded
 * once and dispatched to the listeners of its channel. After a reconnection
 * ioredis subscribes the connection to its channels again by itself
 * (`autoResubscribe`); messages published while it was down are lost, which is
 * why followers also compare the namespace revision once per interval.
 * Subscribe and unsubscribe calls run one at a time, so the connection's
 * channel set always matches the listeners.
 */
export class RedisSubscriber<T> {
  private connection: RedisClient | undefined;
  private readonly listeners = new Map<string, Set<RedisChannelListener<T>>>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly source: RedisConnection,
    /** Turns a raw message into a value, or `undefined` to drop a message that is not ours. */
    private readonly decode: (message: string) => T | undefined,
  ) {}

  /**
   * Adds `listener` to `channel`; resolves once Redis confirmed the subscription. Returns the function that removes it.
   */
  subscribe(channel: string, listener: RedisChannelListener<T>): Promise<() => Promise<void>> {
    return this.serial(async () => {
      if (this.closed) throw this.source.closedError();
      let listeners = this.listeners.get(channel);
      if (!listeners) {
        listeners = new Set();
        this.listeners.set(channel, listeners);
        try {
          await this.source.settle(
            `subscribe to ${channel}`,
            this.open().then((connection) => connection.subscribe(channel)),
          );
        } catch (error) {
          await this.drop(channel);
          throw error;
        }
      }
      // A Set would merge two subscriptions of one function; a wrapper keeps them apart.
      const entry: RedisChannelListener<T> = (message) => listener(message);
      listeners.add(entry);
      let active = true;
      return () =>
        this.serial(async () => {
          if (!active) return;
          active = false;
          listeners.delete(entry);
          if (listeners.size === 0) await this.drop(channel);
        });
    });
  }

  /** Drops every listener and closes the connection. */
  async close(): Promise<void> {
    await this.serial(async () => {
      this.closed = true;
      this.listeners.clear();
      this.shut();
    });
  }

  private async open(): Promise<RedisClient> {
    if (!this.connection) {
      const connection = await this.source.duplicate();
      connection.on('message', (channel: string, message: string) => this.dispatch(channel, message));
      this.connection = connection;
    }
    return this.connection;
  }

  private dispatch(channel: string, raw: string): void {
    const listeners = this.listeners.get(channel);
    if (!listeners?.size) return;
    const message = this.decode(raw);
    if (message === undefined) return;
    for (const listener of [...listeners]) {
      try {
        listener(message);
      } catch (error) {
        // A throwing listener must not break the delivery to the others, nor ioredis' reply parser.
        process.emitWarning(
          `A listener of Redis channel "${channel}" threw: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** Forgets `channel`; closes the connection when it was the last one. */
  private async drop(channel: string): Promise<void> {
    this.listeners.delete(channel);
    if (this.listeners.size === 0) return this.shut();
    await this.source
      .settle(`unsubscribe from ${channel}`, this.connection!.unsubscribe(channel))
      .catch(() => undefined);
  }

  private shut(): void {
    this.connection?.disconnect();
    this.connection = undefined;
  }

  private serial<R>(work: () => Promise<R>): Promise<R> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
