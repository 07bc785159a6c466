import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SYNC_OPTIONS } from '../sync.constants.js';
import { SyncError } from '../sync.errors.js';
import { LEADERSHIP_ACQUIRED, LEADERSHIP_LOST, LEASE_ERROR } from '../sync.messages.js';
import type { NormalizedSyncOptions } from '../interfaces/sync-options.interface.js';
import type { SyncLease } from '../backend/sync-lock.interface.js';
import { backoffDelay } from '../backend/backoff.util.js';
import { withTimeout } from '../backend/with-timeout.util.js';
import { SyncTelemetry } from './telemetry/sync.telemetry.js';

/** One period of leadership: the lease and a signal that aborts when it ends. */
export interface SyncTerm {
  readonly lease: SyncLease;
  readonly signal: AbortSignal;
  /**
   * Whether the lease is still surely held, by the monotonic clock; ends the term when
   * not. Checked before each callback: after a pause (SIGSTOP, a long GC, a frozen VM)
   * a task timer may fire before the watchdog does, and must not call the source.
   */
  readonly valid: () => boolean;
}

/** A monotonic clock in milliseconds, as `performance.now()`. */
export interface MonotonicClock {
  now(): number;
}

/**
 * The token Nest looks the optional clock up by. No module provides it, so an app gets
 * `performance`; unit specs pass a fake clock to the constructor (fake timers cannot mock
 * `performance.now()`).
 */
const LEASE_CLOCK = Symbol('SYNC_LEASE_CLOCK');

/** The share of the TTL a lease is trusted for, from the moment its acquisition or renewal was sent. */
const TRUSTED = 0.9;

type ActiveTerm = SyncTerm & { controller: AbortController; validUntil: number };

/**
 * Holds the namespace's lease: tries to acquire it while a follower, renews it while
 * leader, and gives leadership up the moment it can no longer prove it holds the lease —
 * a renewal refused, or no successful renewal within 90% of the TTL, measured on the
 * monotonic clock from the moment that renewal was *sent* (the lock counts the TTL from
 * when the request arrived, which is later, so the step-down point is strictly before
 * expiry; the 10% covers the two clocks running at slightly different rates).
 *
 * Renewals run on the same send clock: each goes out a third of the TTL after the previous
 * one was sent, whatever its round trip (scheduling from its answer drifted by the RTT). A
 * lock call is given up after a third of the TTL, and a failed renewal is retried a twelfth
 * of the TTL after it failed. An answer that arrives after its call was given up still
 * counts, by its send time, if it arrives before the step-down point; never after it.
 *
 * **One lost renewal never costs the lease while the round trip is at most `leaseTtl / 10`**:
 * with the last successful renewal sent at 0, the lost one goes out at TTL/3 and is given up
 * at 2·TTL/3; the retry goes out at 3·TTL/4 and is answered by 0.85·TTL, before the step-down
 * point at 0.9·TTL (the 0.05·TTL left absorbs late timers). Two lost in a row: the leader
 * steps down at 0.9·TTL and releases the lease in case one of them still lands.
 */
@Injectable()
export class SyncLeaseKeeper {
  /** Identifies this process in the lock: host, pid and a random suffix. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('SyncModule');
  private term: ActiveTerm | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private errors = 0;
  /** When the last lock call was sent (monotonic): a leader's renewals are scheduled from it. */
  private sentAt = 0;
  private stopped = true;
  private stepping: Promise<void> | undefined;
  private listener: (term: SyncTerm | undefined) => void = () => undefined;

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    @Optional() @Inject(LEASE_CLOCK) private readonly clock: MonotonicClock = performance,
    @Optional() private readonly telemetry?: SyncTelemetry,
  ) {}

  /** Whether this process holds the lease now: the one place that knows. */
  isLeader(): boolean {
    return this.term !== undefined;
  }

  /** The current term, if this process leads. */
  get current(): SyncTerm | undefined {
    return this.term;
  }

  /** Starts contending; `listener` hears each term start (a term) and end (`undefined`). */
  start(listener: (term: SyncTerm | undefined) => void): Promise<void> {
    this.listener = listener;
    this.stopped = false;
    return this.step();
  }

  /** Tries to acquire now (e.g. the leader announced it released the lease). */
  poke(): void {
    if (!this.stopped && !this.term) void this.step();
  }

  /** Ends the current term without releasing (e.g. the store holds a newer fence). */
  stepDown(reason: string): void {
    this.lose(reason);
  }

  /**
   * Stops contending and ends the term (aborting its signal); then, once `drain`
   * has settled (the term's checks finished), releases the lease.
   * @returns whether a lease was released, so followers can be told.
   */
  async stop(drain: () => Promise<unknown>): Promise<boolean> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.stepping;
    const lease = this.term?.lease;
    this.end(new SyncError('the application is shutting down'));
    await drain();
    if (!lease) return false;
    return this.options.lock.release(lease).catch((error: unknown) => {
      this.logger.warn(LEASE_ERROR(this.options.name, error));
      return false;
    });
  }

  private step(): Promise<void> {
    // valid() first: a term that ran out while the event loop was blocked ends here, not renewed
    // as if nothing happened (a renewal sent now cannot cover the gap).
    this.stepping ??= (this.term?.valid() ? this.renew(this.term) : this.acquire()).finally(() => {
      this.stepping = undefined;
      this.schedule();
    });
    return this.stepping;
  }

  private async acquire(): Promise<void> {
    const { lock, name, leaseTtl } = this.options;
    const sentAt = (this.sentAt = this.clock.now());
    try {
      const lease = await this.bounded(lock.acquire(name, this.holder, leaseTtl));
      this.errors = 0;
      if (!lease || this.stopped) {
        if (lease) await lock.release(lease);
        return;
      }
      const controller = new AbortController();
      const term: ActiveTerm = {
        lease,
        signal: controller.signal,
        controller,
        validUntil: sentAt + leaseTtl * TRUSTED,
        valid: () => {
          if (this.term !== term) return false;
          if (this.clock.now() < term.validUntil) return true;
          const late = Math.round(this.clock.now() - term.validUntil);
          this.lose(`the lease ran out ${late} ms ago without a renewal (was the process paused?)`);
          return false;
        },
      };
      this.term = term;
      this.arm();
      this.telemetry?.leadershipAcquired();
      this.logger.log(LEADERSHIP_ACQUIRED(name, lease.fence));
      this.listener(this.term);
    } catch (error) {
      this.failed(error);
    }
  }

  private async renew(term: ActiveTerm): Promise<void> {
    const sentAt = (this.sentAt = this.clock.now());
    const call = this.options.lock.renew(term.lease, this.options.leaseTtl);
    // The answer is judged whenever it lands, also after bounded() stopped waiting for it.
    call.then((held) => this.renewed(term, sentAt, held)).catch(() => undefined);
    try {
      await this.bounded(call);
      this.errors = 0;
    } catch (error) {
      this.telemetry?.renewFailed();
      this.failed(error);
    }
  }

  /**
   * A renewal's answer, on time or late. It extends the term by its *send* time, and only while the
   * term is still valid: an answer processed after the step-down point cannot revive the term.
   */
  private renewed(term: ActiveTerm, sentAt: number, held: boolean): void {
    if (this.term !== term || !term.valid()) {
      // A renewal that succeeded after its term ended holds a lease nobody uses: give it back.
      if (held) this.releaseQuietly(term.lease);
      return;
    }
    if (!held) return this.lose('the lock says another process holds it (or it expired)');
    // Answers may land out of order (one given up, then a retry): the latest send time counts.
    term.validUntil = Math.max(term.validUntil, sentAt + this.options.leaseTtl * TRUSTED);
    this.arm();
  }

  /** Leadership ends when the lease may have expired, even if a renewal is still hanging. */
  private arm(): void {
    clearTimeout(this.watchdog);
    if (!this.term) return;
    const term = this.term;
    this.watchdog = setTimeout(
      () => {
        if (this.term !== term) return;
        this.lose(`no successful renewal within ${this.options.leaseTtl} ms`);
        // The lease may still be ours if a renewal is hanging: release it so another process need not wait out the TTL.
        this.releaseQuietly(term.lease);
      },
      Math.max(0, term.validUntil - this.clock.now()),
    );
  }

  /**
   * A lock call that cannot stall the schedule: no answer within a third of the TTL counts as a
   * failure (a renewal's late answer still counts: see renewed()).
   */
  private bounded<T>(call: Promise<T>): Promise<T> {
    const ms = this.options.leaseTtl / 3;
    return withTimeout(call, ms, () => new SyncError(`the lock did not answer within ${Math.round(ms)} ms`));
  }

  /** Compare-and-act release: harmless when the lease is no longer ours. */
  private releaseQuietly(lease: SyncLease): void {
    this.options.lock.release(lease).catch(() => undefined);
  }

  private failed(error: unknown): void {
    if (this.errors++ === 0) this.logger.warn(LEASE_ERROR(this.options.name, error));
  }

  private lose(reason: string): void {
    if (!this.term) return;
    this.telemetry?.leadershipLost();
    this.logger.warn(LEADERSHIP_LOST(this.options.name, reason));
    this.end(new SyncError(LEADERSHIP_LOST(this.options.name, reason)));
    this.schedule();
  }

  private end(reason: SyncError): void {
    clearTimeout(this.watchdog);
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    this.telemetry?.leadershipEnded();
    term.controller.abort(reason);
    this.listener(undefined);
  }

  /**
   * Next step. A leader renews a third of the TTL after its last *send* (scheduling from the
   * answer drifted by the round trip) and retries a failed renewal a twelfth of the TTL after the
   * failure — fixed, not jittered: one leader per namespace has nobody to fall out of step with,
   * and the retry's timing is what the class's RTT bound rests on. A follower polls twice per
   * min(interval, TTL/3), so a crashed leader's expired lease is taken within TTL + interval, and
   * backs off exponentially with jitter while the lock is unreachable.
   */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const { leaseTtl, interval } = this.options;
    let delay: number;
    if (this.term) {
      const period = leaseTtl / 3;
      delay = this.errors ? period / 4 : Math.max(0, this.sentAt + period - this.clock.now());
    } else {
      const base = Math.min(interval, leaseTtl / 3) / 2;
      delay = this.errors ? backoffDelay(this.errors - 1, { base, max: Math.min(base * 32, leaseTtl) }) : base;
    }
    this.timer = setTimeout(() => void this.step(), delay);
  }
}
