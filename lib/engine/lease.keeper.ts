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

/**
 * Holds the namespace's lease: tries to acquire it while a follower, renews it
 * every third of the TTL while leader, and gives leadership up the moment it
 * can no longer prove it holds the lease — a renewal refused, or no successful
 * renewal before the TTL (minus a 10% safety margin) ran out, measured on the
 * monotonic clock from the moment the last successful request was sent.
 */
@Injectable()
export class SyncLeaseKeeper {
  /** Identifies this process in the lock: host, pid and a random suffix. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger('SyncModule');
  private term: (SyncTerm & { controller: AbortController; validUntil: number }) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private errors = 0;
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
    this.stepping ??= (this.term ? this.renew(this.term) : this.acquire()).finally(() => {
      this.stepping = undefined;
      this.schedule();
    });
    return this.stepping;
  }

  private async acquire(): Promise<void> {
    const { lock, name, leaseTtl } = this.options;
    const sentAt = this.clock.now();
    try {
      const lease = await this.bounded(lock.acquire(name, this.holder, leaseTtl));
      this.errors = 0;
      if (!lease || this.stopped) {
        if (lease) await lock.release(lease);
        return;
      }
      const controller = new AbortController();
      const term = {
        lease,
        signal: controller.signal,
        controller,
        validUntil: sentAt + leaseTtl * 0.9,
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

  private async renew(term: SyncTerm & { validUntil: number }): Promise<void> {
    const sentAt = this.clock.now();
    try {
      const held = await this.bounded(this.options.lock.renew(term.lease, this.options.leaseTtl));
      this.errors = 0;
      // A renewal that succeeded after the watchdog ended its term holds a lease nobody uses: give it back.
      if (this.term !== term) return void (held && this.releaseQuietly(term.lease));
      if (!held) return this.lose('the lock says another process holds it (or it expired)');
      term.validUntil = sentAt + this.options.leaseTtl * 0.9;
      this.arm();
    } catch (error) {
      this.telemetry?.renewFailed();
      this.failed(error);
    }
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

  /** A lock call that cannot hang the keeper: no answer within a third of the TTL counts as a failure. */
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

  /** Next step: renew every third of the TTL; contend at least once per interval; back off with jitter on errors. */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const { leaseTtl, interval } = this.options;
    // A follower polls twice per min(interval, TTL/3), so a crashed leader's expired lease is
    // taken within TTL + interval. A leader retries a failed renewal soon (its lease is running
    // out); a follower backs off on errors.
    const base = this.term ? leaseTtl / 3 : Math.min(interval, leaseTtl / 3) / 2;
    const delay = !this.errors
      ? base
      : this.term
        ? backoffDelay(0, { base: base / 2, max: base / 2 })
        : backoffDelay(this.errors - 1, { base, max: Math.min(base * 32, leaseTtl) });
    this.timer = setTimeout(() => void this.step(), delay);
  }
}
