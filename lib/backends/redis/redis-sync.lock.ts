import type { RedisConnectionOptions } from './redis-client.factory.js';
import { RedisConnection } from './redis-connection.js';
import { RedisKeys, validateKeyPrefix } from './redis-keys.js';
import { FIX_REDIS_HOLDER } from './redis.messages.js';
import { ACQUIRE_SCRIPT, CURRENT_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT } from './redis.scripts.js';
import type { SyncLease, SyncLeaseInfo, SyncLock } from '../../backend/index.js';
import { checkName, checkTtl } from '../shared/index.js';

/** Options of `RedisSyncLock`: a client or a URL, plus the key prefix and timeout. */
export type RedisSyncLockOptions = RedisConnectionOptions;

const OWNER = 'RedisSyncLock';

/**
 * A `SyncLock` in Redis (ioredis): leader election among the processes of an
 * application, in the style of ShedLock's Redis provider and the single-instance
 * Redis lock pattern.
 *
 * The lease is one key, `<fence>:<holder>` with a PX TTL, set only when absent.
 * The fence comes from a counter key incremented in the same script, and only
 * when the lease is free: fences only grow and a refused acquire burns none.
 * `renew` and `release` compare holder and fence before acting, so an
 * ex-holder whose lease expired cannot touch its successor's. Lease keys share
 * the Cluster hash tag of the store keys of the same name.
 *
 * This is not Redlock: with Redis replication a failover can lose a lease, and
 * the fences (checked by the store) are what keeps an ex-leader's writes out.
 *
 * @example new RedisSyncLock({ url: 'redis://localhost:6379' })
 */
export class RedisSyncLock implements SyncLock {
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;

  constructor(options: RedisSyncLockOptions) {
    this.keys = new RedisKeys(OWNER, validateKeyPrefix(OWNER, options?.keyPrefix));
    this.connection = new RedisConnection(OWNER, options);
  }

  /** Connects and PINGs; rejects with a `SyncConnectionError` saying what to check. */
  connect(): Promise<void> {
    return this.connection.connect();
  }

  async acquire(name: string, holder: string, ttl: number): Promise<SyncLease | undefined> {
    const keys = this.keys.of(name, 'lease name');
    const args = [this.holder(holder), this.ttl(ttl)];
    const fence = await this.connection.call('acquire a lease', (client) =>
      ACQUIRE_SCRIPT.run(client, [keys.lease, keys.fence], args),
    );
    return fence === null || fence === undefined ? undefined : { name, holder, fence: Number(fence) };
  }

  async renew(lease: SyncLease, ttl: number): Promise<boolean> {
    const key = this.keys.of(lease.name, 'lease name').lease;
    const args = [this.value(lease), this.ttl(ttl)];
    return (await this.connection.call('renew a lease', (client) => RENEW_SCRIPT.run(client, [key], args))) === 1;
  }

  async release(lease: SyncLease): Promise<boolean> {
    const key = this.keys.of(lease.name, 'lease name').lease;
    const args = [this.value(lease)];
    return (await this.connection.call('release a lease', (client) => RELEASE_SCRIPT.run(client, [key], args))) === 1;
  }

  async current(name: string): Promise<SyncLeaseInfo | undefined> {
    const key = this.keys.of(name, 'lease name').lease;
    const reply = (await this.connection.call('read a lease', (client) => CURRENT_SCRIPT.run(client, [key], []))) as
      [string, number] | null;
    if (!reply) return undefined;
    const [value, ttlLeft] = reply;
    // The fence is an integer, so the first ':' ends it; the holder may contain ':' itself.
    const split = String(value).indexOf(':');
    const info = { holder: String(value).slice(split + 1), fence: Number(String(value).slice(0, split)) };
    return ttlLeft >= 0 ? { ...info, ttlLeft: Number(ttlLeft) } : info;
  }

  /** Closes the client if it was created from `url` (never a client passed in). Leases are not released here. */
  async close(): Promise<void> {
    await this.connection.close();
  }

  /** The stored lease value of `lease`; renew and release act only when it matches exactly. */
  private value(lease: SyncLease): string {
    return `${lease.fence}:${this.holder(lease.holder)}`;
  }

  private holder(holder: string): string {
    return checkName(OWNER, 'holder', holder, FIX_REDIS_HOLDER);
  }

  /** PX takes a whole number of ms, at least 1. */
  private ttl(ttl: number): number {
    return Math.max(1, Math.ceil(checkTtl(OWNER, ttl)));
  }
}
