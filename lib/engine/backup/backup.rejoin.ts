import { Inject, Injectable, Logger } from '@nestjs/common';
import { SYNC_OPTIONS } from '../../sync.constants.js';
import { InvalidSyncOptionsError, SyncConnectionError } from '../../sync.errors.js';
import type { NormalizedSyncOptions } from '../../interfaces/sync-options.interface.js';
import { STORE_JOINED, STORE_OUTAGE_AT_START } from './backup.messages.js';

/** Network failures: the server is down, restarting or cut off, which waiting can cure. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * Faults no retry cures: credentials (Redis WRONGPASS / NOAUTH / NOPERM, PostgreSQL class 28), a database,
 * role or table that does not exist, a permission refused. They still fail the bootstrap, backups or not.
 */
// Specific tokens only: the backends' hints mention "password" in every connection error.
const PERMANENT =
  /WRONGPASS|NOAUTH|NOPERM|invalid username-password|authentication failed|does not exist|permission denied/i;
const PERMANENT_SQLSTATE = /^(28|3D|3F|42501|42P01)/;

/**
 * Whether `error`, thrown while connecting the store or the lock, is an outage (the server does not answer)
 * rather than a misconfiguration. A `SyncConnectionError`, or an error with a network code anywhere in its
 * cause chain, is an outage unless something in that chain names bad credentials or a missing object.
 */
export function isStoreOutage(error: unknown): boolean {
  let outage = error instanceof SyncConnectionError;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof InvalidSyncOptionsError) return false;
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && PERMANENT_SQLSTATE.test(code) && !NETWORK_CODES.has(code)) return false;
    if (PERMANENT.test(e.message)) return false;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) outage = true;
  }
  return outage;
}

/** Why the process is not joined yet, as status and health report it. */
export interface SyncStoreOutage {
  /** Epoch ms of the first failed attempt. */
  readonly since: number;
  /** The last attempt's error message. */
  readonly reason: string;
  readonly attempts: number;
}

/**
 * With backups on, a store or lock that does not answer at bootstrap does not fail it: the app starts on
 * its backup data and this class retries `join` in the background (with a capped, jittered backoff) until
 * it succeeds — then the process takes part as if it had started then: lease, notifications, reconciliation.
 */
@Injectable()
export class SyncStoreRejoin {
  private readonly logger = new Logger('SyncModule');
  private current: SyncStoreOutage | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;
  private stopped = false;
  private lastLogged: string | undefined;

  constructor(@Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions) {}

  /** The outage in progress, if the process has not joined yet. */
  get outage(): SyncStoreOutage | undefined {
    return this.current;
  }

  /** Starts retrying `join` after `error` failed the first attempt; `served` tasks have backup data. */
  retry(error: unknown, join: () => Promise<void>, served: number, tasks: number): void {
    this.current = { since: Date.now(), reason: messageOf(error), attempts: 1 };
    this.lastLogged = this.current.reason;
    this.logger.warn(STORE_OUTAGE_AT_START(this.options.name, error, served, tasks));
    this.schedule(join);
  }

  /** Stops retrying and waits for an attempt in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.attempt;
  }

  private schedule(join: () => Promise<void>): void {
    if (this.stopped || !this.current) return;
    const base = Math.min(5_000, 200 * 2 ** Math.min(this.current.attempts - 1, 5));
    this.timer = setTimeout(() => (this.attempt = this.tryJoin(join)), base * (0.5 + Math.random() * 0.5));
  }

  private async tryJoin(join: () => Promise<void>): Promise<void> {
    const outage = this.current!;
    try {
      await join();
      if (this.stopped) return;
      this.current = undefined;
      this.logger.log(STORE_JOINED(this.options.name, Date.now() - outage.since));
    } catch (error) {
      if (this.stopped) return;
      const reason = messageOf(error);
      this.current = { ...outage, reason, attempts: outage.attempts + 1 };
      // The bootstrap is over: a misconfiguration found now can only be reported, loudly, once per cause.
      if (!isStoreOutage(error) && reason !== this.lastLogged) this.logger.error(reason);
      this.lastLogged = reason;
      this.schedule(join);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
