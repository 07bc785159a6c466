import type { SyncAction } from './interfaces/sync-task.interface.js';
import { describeValue } from './backend/describe-value.util.js';

/** Message factories: each says what was wrong, the value, and what to do next. */

export const INVALID_OPTION = (option: string, value: unknown, fix: string) =>
  `Invalid SyncModule option "${option}": got ${describeValue(value)}. ${fix}`;

export const ONE_BACKEND = (missing: 'store' | 'lock') =>
  `SyncModule got a ${missing === 'store' ? 'lock' : 'store'} but no ${missing}: the ${missing} defaults to this process's memory. ` +
  `Across several processes that means ${missing === 'lock' ? 'every process leads (N× the load on the source)' : 'followers never get data'}. ` +
  `Pass both a store and a lock of the same backend.`;

export const INVALID_TAG = (where: string, value: unknown) =>
  `Invalid @SyncTask tag on ${where}: got ${describeValue(value)}. ` +
  `Pass a non-empty string of at most 200 characters without control characters (newlines, tabs), e.g. @SyncTask('flags').`;

export const INVALID_TASK_OPTION = (where: string, option: string, value: unknown) =>
  `Invalid @SyncTask option "${option}" on ${where}: got ${describeValue(value)}. Use a finite number of milliseconds greater than 0, or leave it out to use the module's.`;

export const DUPLICATE_TAG = (tag: string, first: string, second: string) =>
  `Duplicate @SyncTask tag "${tag}" on ${first} and ${second}. Tags are unique across the application: rename one of them.`;

export const UNKNOWN_TAG = (tag: unknown, known: readonly string[]) =>
  `Unknown sync task ${describeValue(tag)}. Registered tags: ${known.length ? known.map((t) => `"${t}"`).join(', ') : 'none'}; ` +
  `decorate a method of a provider with @SyncTask(${describeValue(tag)}) or fix the tag.`;

export const NON_STATIC_PROVIDER = (where: string) =>
  `Cannot register @SyncTask ${where}: its provider is request- or transient-scoped. Make the provider a singleton (the default scope).`;

export const CALLBACK_FAILED = (tag: string, action: SyncAction, cause: unknown) =>
  `Sync task "${tag}" failed on ${action.toUpperCase()}: ${cause instanceof Error ? cause.message : describeValue(cause)}. ` +
  `The last good data is kept and the check is retried on the next tick.`;

export const CALLBACK_TIMEOUT = (tag: string, action: SyncAction, ms: number) =>
  `Sync task "${tag}" ${action.toUpperCase()} did not finish within ${ms} ms; its signal was aborted. ` +
  `Make the callback honour ctx.signal, or raise the timeout (@SyncTask('${tag}', { timeout }) or SyncModule's timeout).`;

export const INVALID_VERSION = (tag: string, value: unknown) =>
  `Sync task "${tag}" returned ${describeValue(value)} for VERSION. Return a non-empty string or a finite number.`;

export const EMPTY_DATA = (tag: string, value: unknown) =>
  `Sync task "${tag}" returned ${describeValue(value)} for DATA. Return the data (anything but undefined or null); throw to report a failure.`;

export const NOT_JSON = (tag: string, value: unknown, cause?: unknown) =>
  `Sync task "${tag}" returned data that is not JSON-serialisable (${describeValue(value)}${cause instanceof Error ? `: ${cause.message}` : ''}). ` +
  `Return plain JSON data: objects, arrays, strings, finite numbers, booleans, null (no BigInt, Symbol, function or cycle).`;

export const TOO_LARGE = (tag: string, bytes: number, max: number) =>
  `Sync task "${tag}" returned ${bytes} bytes of data, more than maxDataBytes (${max}). ` +
  `The last good data is kept. Return less data, or raise SyncModule's maxDataBytes.`;

export const RECOVERED = (tag: string, failures: number) =>
  `Sync task "${tag}" recovered after ${failures} failed check${failures === 1 ? '' : 's'}.`;

export const STALE_FENCE = (tag: string, fence: number, stored: number | undefined) =>
  `Sync task "${tag}": the store refused a write with fence ${fence} (it holds ${stored ?? 'a newer one'}); another process leads now. Stepping down.`;

export const LEADERSHIP_ACQUIRED = (name: string, fence: number) =>
  `Leading sync namespace "${name}" (fence ${fence}).`;

export const LEADERSHIP_LOST = (name: string, reason: string) =>
  `Lost the lease of sync namespace "${name}": ${reason}. Callbacks aborted; another process takes over.`;

export const LEASE_ERROR = (name: string, cause: unknown) =>
  `Could not reach the lock of sync namespace "${name}": ${cause instanceof Error ? cause.message : describeValue(cause)}. Retrying.`;

export const FOLLOW_ERROR = (name: string, cause: unknown) =>
  `Could not read the store of sync namespace "${name}": ${cause instanceof Error ? cause.message : describeValue(cause)}. ` +
  `Readers keep the last data; retrying.`;

export const READ_FAILED = (tag: string, cause: Error) =>
  `Sync task "${tag}": could not read or decode the stored snapshot: ${cause.message}. ` +
  `Readers keep the last good data; retrying at the next reconciliation. Check the store's serializer and what wrote this key.`;

export const READ_RECOVERED = (tag: string) => `Sync task "${tag}": the stored snapshot reads again.`;

export const CORRUPT_RECORD = (tag: string, field: string, value: unknown) =>
  `Sync task "${tag}": the stored record has an invalid ${field} (${describeValue(value)}); was it changed behind the module's back? ` +
  `It is ignored and the last good data kept; the leader's next write replaces it.`;

export const NOT_READY = (tags: readonly string[], ms: number) =>
  `Sync tasks ${tags.map((t) => `"${t}"`).join(', ')} had no data after ${ms} ms. Check status() and the logs for their errors.`;

export const REFRESH_TIMEOUT = (tag: string, ms: number) =>
  `refresh("${tag}") got no answer from the leader within ${ms} ms. Check that a process leads (status(), health) and that the store is reachable.`;

export const NO_TASKS =
  'SyncModule found no @SyncTask methods: nothing to sync. Decorate a provider method with @SyncTask(tag).';
