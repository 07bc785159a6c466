import { checkName, invalidArgument, invalidOption } from '../shared/index.js';
import { FIX_REDIS_KEY_PREFIX, FIX_REDIS_NAME, FIX_REDIS_TAG } from './redis.messages.js';

/** Prefix of every key and channel when none is given. */
export const DEFAULT_KEY_PREFIX = 'sync';

/** Whitespace, control characters and braces: they would split log lines or move the Cluster hash tag. */
const FORBIDDEN_IN_PREFIX = /[\s\p{Cc}{}]/u;
/** Namespaces go inside the hash-tag braces, so they must not close them early. */
const FORBIDDEN_IN_NAME = /[\p{Cc}{}]/u;

/** Checks the `keyPrefix` option and returns it (or the default). */
export function validateKeyPrefix(owner: string, value: unknown): string {
  if (value === undefined) return DEFAULT_KEY_PREFIX;
  if (typeof value !== 'string' || value === '' || FORBIDDEN_IN_PREFIX.test(value)) {
    throw invalidOption(owner, 'keyPrefix', value, FIX_REDIS_KEY_PREFIX(DEFAULT_KEY_PREFIX));
  }
  return value;
}

/**
 * The keys and channel of one namespace (or one lease name).
 *
 * Every key is `<prefix>:{<prefix>:<name>}:<suffix>`: they share one Redis
 * Cluster hash tag, so each Lua script touches a single slot and runs on a
 * Cluster as on a single server. Tags stay outside the braces; they may hold
 * any character, ':' included, since they come last in the key.
 */
export class RedisNamespaceKeys {
  /** The common start of every key of the namespace. */
  readonly base: string;
  /** The namespace-wide change counter (`revision`). */
  readonly revision: string;
  /** The set of every tag written in the namespace, for `heads`. */
  readonly tags: string;
  /** Start of each record hash key; the tag follows. */
  readonly recordPrefix: string;
  /** The pub/sub channel of the namespace. */
  readonly channel: string;
  /** The lease of a lock of that name: `<fence>:<holder>`, with a TTL. */
  readonly lease: string;
  /** The fencing-token counter of a lock of that name; never expires, so fences only grow. */
  readonly fence: string;

  constructor(prefix: string, name: string) {
    this.base = `${prefix}:{${prefix}:${name}}`;
    this.revision = `${this.base}:revision`;
    this.tags = `${this.base}:tags`;
    this.recordPrefix = `${this.base}:record:`;
    this.channel = `${this.base}:events`;
    this.lease = `${this.base}:lease`;
    this.fence = `${this.base}:fence`;
  }

  /** The hash holding the record of `tag`. */
  record(tag: string): string {
    return this.recordPrefix + tag;
  }
}

/** Builds and caches the keys of each namespace, checking the names that go into them. */
export class RedisKeys {
  private readonly cache = new Map<string, RedisNamespaceKeys>();

  constructor(
    private readonly owner: string,
    readonly prefix: string,
  ) {}

  /** Keys of `name` (a store namespace or a lock name), validated. */
  of(name: string, what = 'namespace'): RedisNamespaceKeys {
    let keys = this.cache.get(name);
    if (!keys) {
      if (typeof name !== 'string' || name === '' || FORBIDDEN_IN_NAME.test(name)) {
        throw invalidArgument(this.owner, what, name, FIX_REDIS_NAME);
      }
      keys = new RedisNamespaceKeys(this.prefix, name);
      this.cache.set(name, keys);
    }
    return keys;
  }

  /** Checks a tag before it goes into a key. */
  tag(tag: string): string {
    return checkName(this.owner, 'tag', tag, FIX_REDIS_TAG);
  }
}
