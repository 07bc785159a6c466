import { SyncCallbackError, SyncError, SyncTimeoutError } from '../sync.errors.js';
import { CALLBACK_FAILED, CALLBACK_TIMEOUT } from '../sync.messages.js';
import type { SyncAction, SyncContext, SyncVersion } from '../interfaces/sync-task.interface.js';
import type { SyncTaskState } from './replica.state.js';
import type { SyncTerm } from './lease.keeper.js';

/**
 * The `ctx` a task's method gets. A class, not a literal with a getter: it runs for every check of
 * every task, and an instance of one shape with the getter on its prototype is one small object,
 * where a literal made a closure, its context and a spread copy each time. The AbortController is
 * made only if the callback reads `signal`. Its own state is in `#` fields, so logging or spreading
 * `ctx` shows `tag` and `previousVersion` only.
 */
class TaskCallContext implements SyncContext {
  readonly #term: SyncTerm;
  #controller: AbortController | undefined;
  /** The timeout's reason, if the call timed out before `signal` was read. */
  #reason: unknown;

  constructor(
    readonly tag: string,
    term: SyncTerm,
    readonly previousVersion: SyncVersion | undefined,
  ) {
    this.#term = term;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#term.signal.aborted) this.#controller.abort(this.#term.signal.reason);
      else if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    this.#reason ??= reason;
    this.#controller?.abort(reason);
  }
}

/** A callback's error as the module reports it: its own errors as they are, others wrapped with the tag and action. */
export function callbackError(tag: string, action: SyncAction, error: unknown): Error {
  return error instanceof SyncError
    ? error
    : new SyncCallbackError(CALLBACK_FAILED(tag, action, error), { tag, cause: error });
}

/**
 * The asynchronous calls in flight under each term's signal, ended together by one listener of
 * that signal. A listener per call made Node's EventTarget check each new one against all the
 * others (the duplicate check of `addEventListener`): with 10,000 async VERSION calls in one tick,
 * that was quadratic, half of the leader's CPU.
 */
const callsInFlight = new WeakMap<AbortSignal, Set<() => void>>();

/** Registers `onEnd` to run when `signal` aborts; returns the set to remove it from when the call settles. */
function untilEndOfTerm(signal: AbortSignal, onEnd: () => void): Set<() => void> {
  let calls = callsInFlight.get(signal);
  if (!calls) {
    const set = (calls = new Set());
    callsInFlight.set(signal, set);
    signal.addEventListener('abort', () => set.forEach((end) => end()), { once: true });
  }
  calls.add(onEnd);
  return calls;
}

/**
 * Calls a task's method for `action` under `term`. A synchronous answer is returned as it is (no
 * promise, no timer: the callback has already finished); an asynchronous one races a timer of its
 * own and the end of the term, both dropped when it settles (not `AbortSignal.any`, which on Node 20
 * stays attached to the long-lived term signal: nodejs/node#55351). `ctx.signal` aborts on timeout
 * and at the end of the term. Throws (or rejects with) a `SyncError`.
 */
export function callTask(state: SyncTaskState, term: SyncTerm, action: SyncAction, previousVersion?: SyncVersion) {
  const { tag, timeout, callback } = state.task;
  if (!term.valid()) term.signal.throwIfAborted();
  const ctx = new TaskCallContext(tag, term, previousVersion);
  let result: unknown;
  try {
    result = callback(action, ctx);
  } catch (error) {
    throw callbackError(tag, action, error);
  }
  if (!(result instanceof Promise) && typeof (result as PromiseLike<unknown>)?.then !== 'function') return result;
  const { signal } = term;
  // An aborted signal runs no listener any more: the call is refused as a listener would have, and
  // the callback's own outcome is dropped (a later rejection must not be an unhandled one).
  if (signal.aborted) {
    (result as PromiseLike<unknown>).then(undefined, () => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const settle = (reason: unknown, abortWith?: unknown) => {
      clearTimeout(timer);
      calls.delete(onEndOfTerm);
      if (abortWith !== undefined) ctx.abort(abortWith);
      reject(reason);
    };
    const onEndOfTerm = () => settle(signal.reason, signal.reason);
    const timer = setTimeout(
      () =>
        settle(
          new SyncTimeoutError(CALLBACK_TIMEOUT(tag, action, timeout), { tag }),
          new DOMException(`${action} timed out`, 'TimeoutError'),
        ),
      timeout,
    );
    const calls = untilEndOfTerm(signal, onEndOfTerm);
    Promise.resolve(result).then(
      (value) => {
        clearTimeout(timer);
        calls.delete(onEndOfTerm);
        resolve(value);
      },
      (error: unknown) => settle(signal.aborted ? signal.reason : callbackError(tag, action, error)),
    );
  });
}
