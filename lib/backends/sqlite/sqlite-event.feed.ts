import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import type { SyncStoreEvent } from '../../backend/index.js';
import type { SqliteConnection, SqliteHandle } from './sqlite-connection.js';
import { SQLITE_EVENTS_RESTORED, SQLITE_LISTENER_THREW } from './sqlite.messages.js';

/** How a feed learns of other processes' commits. */
export interface SqliteFeedOptions {
  /** ms between two checks of `PRAGMA data_version`; the safety net under the watcher. */
  pollInterval: number;
  /** Watch the database directory for writes to the file and its `-wal` (inotify on Linux). */
  watch: boolean;
}

interface Subscriber {
  readonly namespace: string;
  readonly listener: (event: SyncStoreEvent) => void;
}

/**
 * Publish/subscribe without a server: events are rows of the events table
 * (ids only grow, and SQLite commits one writer at a time, so ids appear in
 * order with no gap left open by a slower writer), and each process reads the
 * rows past its cursor whenever another connection committed.
 *
 * It learns of a commit two ways. A directory watch (inotify) fires on every
 * write to the `-wal` file: latency well under a millisecond, and no cost
 * while nothing is written. Watches can be unavailable (inotify limits,
 * some file systems) or drop events, so a timer also reads `PRAGMA
 * data_version` every `pollInterval` ms: a counter kept in the shared-memory
 * index that changes when another connection commits, so an idle check reads
 * no table at all. Rows are only read when one of the two says something moved.
 */
export class SqliteEventFeed {
  private readonly subscribers = new Set<Subscriber>();
  private readonly logger: Logger;
  private cursor = 0;
  private dataVersion = -1;
  private timer?: NodeJS.Timeout;
  private watcher?: FSWatcher;
  private scheduled = false;
  private failing = false;

  constructor(
    private readonly connection: SqliteConnection,
    /** Turns a stored payload into an event, or `undefined` for one that is not ours. */
    private readonly decode: (payload: string) => SyncStoreEvent | undefined,
    private readonly options: SqliteFeedOptions,
  ) {
    this.logger = new Logger(connection.owner);
  }

  /** Delivers the events of `namespace` published from now on; returns the unsubscribe. */
  async subscribe(namespace: string, listener: (event: SyncStoreEvent) => void): Promise<() => void> {
    const subscriber = { namespace, listener };
    await this.connection.run('subscribe to events', (handle) => {
      // Synchronous with the add: earlier events go to earlier subscribers only.
      if (this.subscribers.size === 0) {
        this.dataVersion = Number(handle.db.pragma('data_version', { simple: true }));
        this.cursor = Number((handle.statements.lastEvent.get() as { id: number }).id);
      } else this.drain(handle, true);
      this.subscribers.add(subscriber);
    });
    if (this.subscribers.size === 1) this.start();
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** Reads new events now: after a write of this connection, which `data_version` does not count. */
  async kick(): Promise<void> {
    if (this.subscribers.size === 0) return;
    await this.check(true);
  }

  /** Stops watching and forgets every subscriber. */
  close(): void {
    this.subscribers.clear();
    this.stop();
  }

  private start(): void {
    this.timer = setInterval(() => void this.check(false), this.options.pollInterval);
    this.timer.unref();
    if (!this.options.watch || this.connection.options.database?.memory) return;
    const file = basename(this.connection.file);
    try {
      // The directory, not the -wal file: SQLite deletes and recreates the -wal (last close, checkpoints).
      this.watcher = watch(dirname(this.connection.file), { persistent: false }, (_, name) => {
        if (name === `${file}-wal` || name === file) this.schedule();
      });
      this.watcher.on('error', () => this.unwatch());
    } catch {
      // No watch here (e.g. inotify limit reached): the timer alone still delivers every event.
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unwatch();
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * One check per burst of file events (a commit writes the -wal several times). The last write of the
   * -wal comes a moment before the commit shows in the shared-memory index, so a check that finds nothing
   * looks again shortly, a few times, instead of leaving the event to the poll timer.
   */
  private schedule(retries = 3): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(async () => {
      this.scheduled = false;
      const moved = await this.check(false);
      if (!moved && retries > 0) setTimeout(() => this.schedule(retries - 1), 1).unref();
    });
  }

  /** Reads new events; resolves whether another connection had committed (always true when forced). */
  private async check(force: boolean): Promise<boolean> {
    if (this.subscribers.size === 0) return true;
    try {
      const moved = await this.connection.run('read events', (handle) => this.drain(handle, force));
      if (this.failing) this.logger.log(SQLITE_EVENTS_RESTORED(this.connection.file));
      this.failing = false;
      return moved;
    } catch (error) {
      // Logged once per streak; followers still reconcile through the revision once per interval.
      if (!this.failing) this.logger.warn((error as Error).message);
      this.failing = true;
      return true;
    }
  }

  /** Delivers every event past the cursor, if another connection committed since the last look (or `force`). */
  private drain({ db, statements }: SqliteHandle, force: boolean): boolean {
    const version = Number(db.pragma('data_version', { simple: true }));
    if (!force && version === this.dataVersion) return false;
    this.dataVersion = version;
    for (;;) {
      const rows = statements.events.all(this.cursor) as { id: number; namespace: string; payload: string }[];
      for (const row of rows) {
        this.cursor = row.id;
        const event = this.decode(row.payload);
        if (!event) continue;
        for (const subscriber of [...this.subscribers]) {
          if (subscriber.namespace !== row.namespace || !this.subscribers.has(subscriber)) continue;
          try {
            subscriber.listener(event);
          } catch (error) {
            // A throwing listener must not cost the others (or the rest of the batch) their events.
            this.logger.error(SQLITE_LISTENER_THREW((error as Error)?.message ?? String(error)));
          }
        }
      }
      if (rows.length < 1_000) return true;
    }
  }
}
