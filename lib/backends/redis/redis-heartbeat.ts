import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisScript } from './redis.scripts.js';

/**
 * Heartbeat write. KEYS: beats hash, expiry sorted set. ARGV: instance, beat JSON, ttl ms.
 * Expiry is on the server's clock (TIME), so hosts with skewed clocks agree on who is alive.
 * Each beat also drops the beats that expired (their processes died without leaving).
 */
const BEAT_SCRIPT = new RedisScript(`
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ms)
if #dead > 0 then
  redis.call('HDEL', KEYS[1], unpack(dead))
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ms + tonumber(ARGV[3]), ARGV[1])
return 1
`);

/**
 * Renewal. KEYS: beats hash, expiry sorted set. ARGV: instance, ttl ms. Moves the expiry of a beat that is
 * still live (same test as INSTANCES_SCRIPT) and leaves the beat alone; 0 for an expired or unknown one,
 * which stays out of the fleet until a full beat.
 */
const RENEW_SCRIPT = new RedisScript(`
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local expiry = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not expiry or tonumber(expiry) <= ms or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ms + tonumber(ARGV[2]), ARGV[1])
return 1
`);

/** Live beats. KEYS: beats hash, expiry sorted set. Returns the JSON of every beat not expired, read-only. */
const INSTANCES_SCRIPT = new RedisScript(`
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ms, '+inf')
if #live == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(live))
`);

/** Clean leave. KEYS: beats hash, expiry sorted set. ARGV: instance. */
const LEAVE_SCRIPT = new RedisScript(`
redis.call('HDEL', KEYS[1], ARGV[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
`);

/**
 * Heartbeats of `RedisSyncStore`: a hash of beats (field = instance) and a sorted set of
 * expiry times beside it, under the namespace's hash tag (Redis 7.0 has no per-field TTL).
 * One script per beat, renewal or read: one round trip each.
 */
export class RedisHeartbeats {
  constructor(private readonly connection: RedisConnection) {}

  async beat(base: string, beat: SyncHeartbeat, ttlMs: number): Promise<void> {
    const args = [beat.instance, JSON.stringify(beat), String(Math.max(1, Math.round(ttlMs)))];
    await this.connection.call('heartbeat script', (client) => BEAT_SCRIPT.run(client, keysOf(base), args));
  }

  async renew(base: string, instance: string, ttlMs: number): Promise<boolean> {
    const args = [instance, String(Math.max(1, Math.round(ttlMs)))];
    const renewed = await this.connection.call('renew heartbeat script', (client) =>
      RENEW_SCRIPT.run(client, keysOf(base), args),
    );
    return Number(renewed) === 1;
  }

  async instances(base: string): Promise<SyncHeartbeat[]> {
    const raw = (await this.connection.call('instances script', (client) =>
      INSTANCES_SCRIPT.run(client, keysOf(base), []),
    )) as (string | null)[];
    return raw.flatMap((json) => {
      if (!json) return [];
      try {
        return [JSON.parse(String(json)) as SyncHeartbeat];
      } catch {
        return []; // written behind the store's back: not a beat
      }
    });
  }

  async leave(base: string, instance: string): Promise<void> {
    await this.connection.call('leave script', (client) => LEAVE_SCRIPT.run(client, keysOf(base), [instance]));
  }
}

/** The two keys of a namespace's heartbeats, next to its records (same Cluster slot). */
function keysOf(base: string): [string, string] {
  return [`${base}:instances`, `${base}:instances:expiry`];
}
