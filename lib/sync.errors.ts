/** Options every `SyncError` takes besides its message. */
export interface SyncErrorOptions {
  /** The task the error is about, when there is one. */
  tag?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of every error this module throws or records. */
export class SyncError extends Error {
  /** The task the error is about, when there is one. */
  readonly tag?: string;

  constructor(message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.tag !== undefined) this.tag = options.tag;
  }
}

/** A `SyncModule` option (or a backend's constructor option) is missing or wrong. */
export class InvalidSyncOptionsError extends SyncError {
  constructor(
    message: string,
    /** Name of the offending option, e.g. `interval` or `store`. */
    readonly option: string,
    /** The value that was given. */
    readonly value: unknown,
  ) {
    super(message);
  }
}

/** A `@SyncTask` declaration is wrong (tag or options). */
export class InvalidSyncTaskError extends SyncError {}

/** Two `@SyncTask` methods use the same tag. */
export class DuplicateSyncTaskError extends SyncError {}

/** A read named a tag that no `@SyncTask` registered. */
export class UnknownSyncTaskError extends SyncError {}

/**
 * A read came before the module registered its tasks (they are registered at `onModuleInit`),
 * e.g. `getData()` in a provider's constructor. A kind of `UnknownSyncTaskError`.
 */
export class SyncTasksNotRegisteredError extends UnknownSyncTaskError {}

/** Two `SyncModule`s with the same `name` in one application: they would both lead and check every task. */
export class DuplicateSyncModuleError extends SyncError {}

/** A callback, `whenReady` or `refresh` did not finish in time. */
export class SyncTimeoutError extends SyncError {}

/** A callback threw or rejected; the original error is the `cause`. */
export class SyncCallbackError extends SyncError {}

/** One problem a task's schema found in DATA, as its validator reported it (Standard Schema's `Issue`). */
export interface SyncSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** Options of `InvalidSyncResultError`: those of every `SyncError`, and the schema's issues. */
export interface InvalidSyncResultErrorOptions extends SyncErrorOptions {
  /** What the task's schema found, when it is the schema that refused the data. */
  issues?: readonly SyncSchemaIssue[];
}

/**
 * A callback returned something that is not a valid version or data, or data (from the
 * callback or read from the store) that its task's schema refused; `issues` then holds
 * what the validator found.
 */
export class InvalidSyncResultError extends SyncError {
  /** The schema's issues; empty when the result was refused for another reason. */
  readonly issues: readonly SyncSchemaIssue[];

  constructor(message: string, options: InvalidSyncResultErrorOptions = {}) {
    super(message, options);
    this.issues = options.issues ?? [];
  }
}

/** A store or lock could not be reached or refused to work (connection, auth, schema). */
export class SyncConnectionError extends SyncError {}

/**
 * A backend needs an optional peer dependency (`ioredis`, `pg`, `better-sqlite3`, `prom-client`) that the app
 * has not installed. Raised where the package is first needed (a backend's `connect()` or first call, when it
 * creates its own client), never at import. Not a `SyncConnectionError`: no retry and no backup fixes it,
 * so it fails the bootstrap even with backups on.
 */
export class SyncPeerMissingError extends SyncError {
  constructor(
    message: string,
    /** The package to install, e.g. `ioredis`. */
    readonly packageName: string,
    options: SyncErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * A store could not encode a snapshot (its serializer threw or returned nothing) or
 * decode a record it holds (corrupt or foreign payload). Every backend raises this one
 * for that fault; the last good data is kept.
 */
export class SyncStoreFormatError extends SyncError {}
