import { createHash } from 'node:crypto';

/** What a script runner needs of a client: EVALSHA and EVAL (ioredis `Redis` and `Cluster` both have them). */
export interface RedisScriptClient {
  evalsha(sha: string, numKeys: number, ...args: (string | Buffer | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | Buffer | number)[]): Promise<unknown>;
}

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not
 * know it yet (NOSCRIPT: first use, restart, SCRIPT FLUSH, another Cluster node).
 * Unlike ioredis `defineCommand`, it adds nothing to a client the user passed in.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(
    client: RedisScriptClient,
    keys: readonly string[],
    args: readonly (string | Buffer | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

// Lua turns numbers into strings with "%.14g" (1e14 becomes "1e+14"), so every
// counter written back into Redis or into JSON goes through string.format('%d').

/**
 * Lua that INCRs the counter at KEYS[n] into `local <name>`. A counter that does not
 * exist (first use, or a Redis restarted without persistence, or failed over to a
 * replica that never saw it) starts from the server's clock in microseconds, not from 0:
 * revisions and fences then keep growing across a reset, so followers never take a new
 * write for an old one and a store on another server never refuses a new leader's fence.
 */
const incrementFromClock = (name: string, key: string) => `
if redis.call('EXISTS', ${key}) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', ${key}, string.format('%d', tonumber(now[1]) * 1000000 + tonumber(now[2])))
end
local ${name} = string.format('%d', redis.call('INCR', ${key}))`;

/**
 * Snapshot write. KEYS: record hash, revision counter, tag set.
 * ARGV: tag, version, version type ('n' | 's'), data, modifiedAt, checkedAt, fence, channel, change event JSON without
 * its revision.
 * Returns {1, revision} when written, {0, stored fence} when the fence is older than the stored one.
 * Fence check, revision bump, write and PUBLISH happen in one step, so a
 * follower never sees the event before the record, nor a record without an event.
 */
export const WRITE_SCRIPT = new RedisScript(`
local stored = tonumber(redis.call('HGET', KEYS[1], 'fence'))
if stored and tonumber(ARGV[7]) < stored then
  return {0, stored}
end
${incrementFromClock('revision', 'KEYS[2]')}
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'vtype', ARGV[3], 'data', ARGV[4],
  'modifiedAt', ARGV[5], 'checkedAt', ARGV[6], 'fence', ARGV[7], 'revision', revision)
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[8], ARGV[9] .. revision .. '}')
return {1, tonumber(revision)}
`);

/**
 * Unchanged-version check. KEYS: record hash. ARGV: checkedAt, fence, version, version type.
 * Returns 1 (touched), 0 (the stored fence is newer) or 2 (no record, or another version:
 * the caller writes the snapshot instead). No revision bump and no event: nothing a follower must reload.
 */
export const TOUCH_SCRIPT = new RedisScript(`
local head = redis.call('HMGET', KEYS[1], 'fence', 'version', 'vtype')
local stored = tonumber(head[1])
if not stored then return 2 end
if tonumber(ARGV[2]) < stored then return 0 end
if head[2] ~= ARGV[3] or head[3] ~= ARGV[4] then return 2 end
redis.call('HSET', KEYS[1], 'checkedAt', ARGV[1], 'fence', ARGV[2])
return 1
`);

/**
 * `TOUCH_SCRIPT` for a batch, in one round trip. KEYS: one record hash per check (they share the namespace's
 * hash tag, so one Cluster slot). ARGV: fence, then checkedAt, version, version type per check.
 * Returns one code per check, in order, as TOUCH_SCRIPT returns it alone.
 */
export const TOUCH_MANY_SCRIPT = new RedisScript(`
local fence = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local base = 1 + (i - 1) * 3
  local head = redis.call('HMGET', key, 'fence', 'version', 'vtype')
  local stored = tonumber(head[1])
  if not stored then out[i] = 2
  elseif fence < stored then out[i] = 0
  elseif head[2] ~= ARGV[base + 2] or head[3] ~= ARGV[base + 3] then out[i] = 2
  else
    redis.call('HSET', key, 'checkedAt', ARGV[base + 1], 'fence', ARGV[1])
    out[i] = 1
  end
end
return out
`);

/** The fields `heads` returns per tag, in this order, after the tag itself. */
export const HEAD_FIELDS = ['version', 'vtype', 'modifiedAt', 'checkedAt', 'fence', 'revision'] as const;

/**
 * Every head of a namespace in one round trip. KEYS: tag set. ARGV: record key prefix.
 * Returns a flat list: tag, then HEAD_FIELDS, per record. The record keys are
 * built here (they cannot be known before reading the set); they share the
 * set's hash tag, so they live in its Cluster slot.
 */
export const HEADS_SCRIPT = new RedisScript(`
local out = {}
for _, tag in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local head = redis.call('HMGET', ARGV[1] .. tag, ${HEAD_FIELDS.map((f) => `'${f}'`).join(', ')})
  if head[1] then
    out[#out + 1] = tag
    for i = 1, ${HEAD_FIELDS.length} do out[#out + 1] = head[i] end
  end
end
return out
`);

/**
 * Lease acquisition. KEYS: lease, fence counter. ARGV: holder, ttl ms.
 * Returns the new fence, or nil when the lease is held. The INCR happens only
 * when the lease is free, so a refused acquire burns no fence.
 */
export const ACQUIRE_SCRIPT = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
${incrementFromClock('fence', 'KEYS[2]')}
redis.call('SET', KEYS[1], fence .. ':' .. ARGV[1], 'PX', ARGV[2])
return tonumber(fence)
`);

/**
 * Lease renewal, compare-and-act on holder and fence. KEYS: lease. ARGV: "<fence>:<holder>", ttl ms. Returns 1 or 0.
 */
export const RENEW_SCRIPT = new RedisScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`);

/** Lease release, compare-and-act on holder and fence. KEYS: lease. ARGV: "<fence>:<holder>". Returns 1 or 0. */
export const RELEASE_SCRIPT = new RedisScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`);

/** Current lease. KEYS: lease. Returns {"<fence>:<holder>", pttl} or nil, read in one step. */
export const CURRENT_SCRIPT = new RedisScript(`
local value = redis.call('GET', KEYS[1])
if not value then return false end
return {value, redis.call('PTTL', KEYS[1])}
`);
