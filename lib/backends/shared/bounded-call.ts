import { inspect } from 'node:util';
import { SyncConnectionError, SyncError, withTimeout } from '../../backend/index.js';
import { BACKEND_CALL_FAILED } from './backend.messages.js';
import { redactSecrets } from './redaction.util.js';

/** Why a bounded call failed when the server did not answer in time. */
export class NoAnswerError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'NoAnswerError';
  }
}

/** The server a backend talks to, as its messages name it. */
export interface BoundedCallTarget {
  /** Class name of the backend, e.g. `RedisSyncStore`. */
  readonly owner: string;
  /** The kind of server, e.g. `Redis`. */
  readonly server: string;
  /** Where it is: a redacted URL, or a description of a client passed in. */
  readonly target: string;
  /** Passwords to scrub from every message. */
  readonly secrets: readonly string[];
  /** What to check, by the cause (a `NoAnswerError` for a timeout), its redacted text and the action. */
  readonly hint: (cause: unknown, text: string, action: string) => string;
  /** The last error the connection reported by itself, when the backend tracks one (already redacted). */
  readonly lastError?: () => string | undefined;
}

/** The text of an error, also for the message-less `AggregateError` Node gives for a refused dual-stack connect. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { errors?: unknown[] }).errors;
  const innerText = Array.isArray(inner)
    ? inner.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')
    : '';
  return cause.message || innerText || String((cause as { code?: unknown }).code ?? cause.name);
}

/**
 * Every call of a backend to its server goes through here: bounded in time (`withTimeout`),
 * and any failure that is not already a `SyncError` becomes a `SyncConnectionError` that
 * names the backend, the action and the redacted server, gives the cause and what to check,
 * and never carries a password (not even in its `cause`).
 */
export class BoundedCaller {
  constructor(readonly target: BoundedCallTarget) {}

  /** `Redis at redis://…`: the server as messages name it. */
  get where(): string {
    return `${this.target.server} at ${this.target.target}`;
  }

  /** Settles with `work`, or rejects after `ms` (the work itself cannot be cancelled: only the wait ends). */
  async call<T>(action: string, work: Promise<T>, ms: number): Promise<T> {
    try {
      return await withTimeout(work, ms, () => new NoAnswerError(ms));
    } catch (error) {
      throw error instanceof SyncError ? error : this.failure(action, error);
    }
  }

  /** The `SyncConnectionError` for `action` failing with `cause`. */
  failure(action: string, cause: unknown): SyncConnectionError {
    const { owner, secrets, hint, lastError } = this.target;
    const text = this.redact(describeCause(cause));
    const message = BACKEND_CALL_FAILED(owner, action, this.where, text, hint(cause, text, action), lastError?.());
    // Some causes carry the raw URL (e.g. ERR_INVALID_URL's `input`): keep those out of logs.
    const leaks = secrets.some((secret) => secret && inspect(cause, { depth: 2 }).includes(secret));
    return new SyncConnectionError(message, { cause: leaks ? new Error(text) : cause });
  }

  /** `text` without any of the connection's secrets. */
  redact(text: string): string {
    return redactSecrets(text, this.target.secrets);
  }
}
