import type { SyncAction, SyncVersion } from './interfaces/sync-task.interface.js';
import type { SyncSchemaIssue } from './sync.errors.js';
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

export const READY_TIMEOUT = (tags: readonly string[], ms: number) =>
  `SyncModule ready.wait: sync tasks ${tags.map((t) => `"${t}"`).join(', ')} had no data after ${ms} ms, so the ` +
  `application does not start. Check the logs above for their errors; raise ready.timeout, or set ready.wait: false ` +
  `to start at once and serve undefined until the first check.`;

export const REFRESH_TIMEOUT = (tag: string, ms: number) =>
  `refresh("${tag}") got no answer from the leader within ${ms} ms. Check that a process leads (status(), health) and that the store is reachable.`;

export const NO_TASKS =
  'SyncModule found no @SyncTask methods: nothing to sync. Decorate a provider method with @SyncTask(tag).';

export const INVALID_SCHEMA = (tag: string, value: unknown) =>
  `Invalid schema for sync task "${tag}": got ${describeValue(value)}, which has no "~standard".validate function. ` +
  `Pass a Standard Schema validator (zod 3.24+, valibot 1+, arktype, …), e.g. defineSyncTask('${tag}', { schema: z.object({ … }) }).`;

/** At most this many issues are spelled out in a message; `error.issues` has them all. */
const ISSUES_SHOWN = 5;

const issuePath = (issue: SyncSchemaIssue) =>
  (issue.path ?? [])
    .map((segment) => (typeof segment === 'object' && segment !== null ? segment.key : segment))
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');

const describeIssues = (issues: readonly SyncSchemaIssue[]) =>
  issues
    .slice(0, ISSUES_SHOWN)
    .map((issue) => (issuePath(issue) ? `${issuePath(issue)}: ${issue.message}` : issue.message))
    .join('; ') + (issues.length > ISSUES_SHOWN ? `; and ${issues.length - ISSUES_SHOWN} more` : '');

export const SCHEMA_REFUSED = (tag: string, version: SyncVersion, issues: readonly SyncSchemaIssue[]) =>
  `Sync task "${tag}" returned DATA for version ${describeValue(version)} that fails its schema ` +
  `(${issues.length} issue${issues.length === 1 ? '' : 's'}: ${describeIssues(issues)}). ` +
  `Nothing was written; readers keep the last good data and the check is retried on the next tick. Fix the source or the schema.`;

export const STORED_SCHEMA_REFUSED = (tag: string, version: SyncVersion, issues: readonly SyncSchemaIssue[]) =>
  `Sync task "${tag}": the stored record of version ${describeValue(version)} fails the task's schema ` +
  `(${issues.length} issue${issues.length === 1 ? '' : 's'}: ${describeIssues(issues)}); was it written by another build of the app, ` +
  `or changed in the store? It is not installed: readers keep the last good data; retried at the next reconciliation.`;

export const SCHEMA_THREW = (tag: string, cause: unknown) =>
  `The schema of sync task "${tag}" threw instead of returning issues: ${cause instanceof Error ? cause.message : describeValue(cause)}. ` +
  `The data is refused and the last good data kept. A Standard Schema validate() must return { issues } for bad input.`;

/** @param subject what happened too early, e.g. `Sync task "flags" was read`. */
export const NOT_REGISTERED_YET = (subject: string) =>
  `${subject} before SyncModule registered its tasks: they are found and registered at onModuleInit, after every ` +
  `provider's constructor. Read in onApplicationBootstrap or later (e.g. in a request handler), or await ` +
  `sync.whenReady() there (in main.ts: await app.init(), then await app.get(SyncService).whenReady(), then ` +
  `app.listen()), or set SyncModule's ready: { wait: true }.`;

export const DUPLICATE_MODULE = (name: string) =>
  `SyncModule is imported twice with the name "${name}" in one application: both would lead and run every task ` +
  `(twice the load on the source). Import SyncModule.forRoot() once, in the root module, with isGlobal: true so ` +
  `every module can inject SyncService; or give each import its own name.`;

export const MODULE_LEVEL_OPTION = (option: string) =>
  `"${option}" belongs to SyncModule.forRootAsync({ ${option}, useFactory, … }) itself, next to useFactory; ` +
  `the factory's result holds only the module's options (interval, store, lock, …), so here it would be ignored.`;

export const NO_SHUTDOWN_HOOKS = (name: string, leaseTtl: number) =>
  `Sync namespace "${name}" uses a shared lock, but this process has no SIGTERM listener: on SIGTERM ` +
  `(a deploy, Kubernetes, PM2, nest start --watch) it would die without releasing the lease, and no process would ` +
  `lead for up to leaseTtl (${leaseTtl} ms). Call app.enableShutdownHooks() in main.ts before app.listen().`;

export const WAITING_FOR_FIRST_CHECK = 'waiting for the first check';

export const STALE_CHECK = (staleness: number, max: number) =>
  `last successful check ${staleness} ms ago, more than maxStaleness (${max} ms)`;

export const NOT_A_METHOD = (where: string) =>
  `@SyncTask decorates ${where}, which is not a method (a getter, setter or accessor). ` +
  `Put it on a method called as (action: SyncAction, ctx: SyncContext).`;

export const SERVING_BACKUP =
  'serving data restored from a backup file, not yet confirmed by the store: ' +
  'pass acceptBackup: true to count it as healthy (a readiness probe during a store outage)';
