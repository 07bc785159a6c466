import { performance } from 'node:perf_hooks';
import type { SyncLease, SyncLeaseInfo, SyncLock } from '../../backend/index.js';
import { checkTtl } from '../shared/index.js';

const OWNER = 'MemorySyncLock';

interface Held {
  readonly holder: string;
  readonly fence: number;
  expiresAt: number;
}

/**
 * The embedded default lock: leases in this process's memory.
 *
 * Expiry uses the monotonic clock, so a wall-clock jump never frees or keeps
 * a lease. Several `SyncModule` apps of one process that share an instance
 * elect one leader among themselves.
 */
export class MemorySyncLock implements SyncLock {
  private readonly leases = new Map<string, Held>();
  private readonly fences = new Map<string, number>();

  async acquire(name: string, holder: string, ttl: number): Promise<SyncLease | undefined> {
    const ms = checkTtl(OWNER, ttl);
    if (this.live(name)) return undefined;
    const fence = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, fence);
    this.leases.set(name, { holder, fence, expiresAt: performance.now() + ms });
    return { name, holder, fence };
  }

  async renew(lease: SyncLease, ttl: number): Promise<boolean> {
    const ms = checkTtl(OWNER, ttl);
    const held = this.owned(lease);
    if (held) held.expiresAt = performance.now() + ms;
    return held !== undefined;
  }

  async release(lease: SyncLease): Promise<boolean> {
    const held = this.owned(lease);
    if (held) this.leases.delete(lease.name);
    return held !== undefined;
  }

  async current(name: string): Promise<SyncLeaseInfo | undefined> {
    const held = this.live(name);
    return held && { holder: held.holder, fence: held.fence, ttlLeft: held.expiresAt - performance.now() };
  }

  async close(): Promise<void> {}

  private live(name: string): Held | undefined {
    const held = this.leases.get(name);
    return held && held.expiresAt > performance.now() ? held : undefined;
  }

  private owned(lease: SyncLease): Held | undefined {
    const held = this.live(lease.name);
    return held && held.holder === lease.holder && held.fence === lease.fence ? held : undefined;
  }
}
