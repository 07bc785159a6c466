import { NoAnswerError } from '../shared/index.js';

/**
 * Message texts of the Redis backend: the fixes its checks suggest and what its connection
 * errors tell to check. The sentences around them (option, value, redacted server, cause)
 * come from the shared factories, so a fault reads the same as in every other backend.
 */

/** The server kind, as messages name it. */
export const REDIS = 'Redis';

export const FIX_REDIS_BOTH = 'Pass either "client" or "url", not both.';

export const FIX_REDIS_CLIENT =
  'Pass an ioredis client: new Redis(...) or new Cluster(...) from "ioredis", or use "url".';

export const FIX_REDIS_MISSING =
  'Pass "client" (an ioredis Redis or Cluster) or "url" (e.g. "redis://localhost:6379").';

export const FIX_REDIS_URL = 'Use a URL such as "redis://localhost:6379" or "rediss://user:password@host:6380/0".';

export const FIX_REDIS_KEY_PREFIX = (fallback: string) =>
  `Use a non-empty string without whitespace, newlines or braces, e.g. "sync" or "myapp:sync" (default "${fallback}").`;

export const FIX_REDIS_NAME = 'Use a non-empty string without braces or control characters, e.g. "default".';

export const FIX_REDIS_TAG = 'Use the non-empty string tag of a @SyncTask.';

export const FIX_REDIS_HOLDER = 'Use a non-empty string that identifies the process.';

/** What to check after a failed call: a timeout, a failed connect, or a call that failed on a live connection. */
export function redisHint(cause: unknown, _text: string, action: string): string {
  if (cause instanceof NoAnswerError) return 'Check that Redis is up and reachable, or raise the "timeout" option.';
  if (action === 'connect') {
    return (
      'Check that Redis runs and is reachable at that host and port (firewall, TLS: rediss://), ' +
      'and that the username and password in the URL or client options are right.'
    );
  }
  return 'Check that Redis is reachable; callers retry on their next tick.';
}
