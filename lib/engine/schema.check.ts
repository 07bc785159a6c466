import { InvalidSyncResultError, SyncError } from '../sync.errors.js';
import { SCHEMA_THREW } from '../sync.messages.js';
import type { SyncSchemaIssue } from '../sync.errors.js';
import type { SyncTaskDefinition } from '../sync.registry.js';

/**
 * Runs a task's Standard Schema on `data` and returns what readers get: the schema's
 * output (which a transforming schema may have changed), or `data` itself when the task
 * has no schema. Awaits only an asynchronous validator.
 *
 * Called on the leader before a write and on every process before it installs a record
 * read from the store, so data that fails the schema never reaches a reader.
 * @param refused builds the message for the issues (leader and follower say different things).
 * @throws InvalidSyncResultError carrying the issues, or wrapping what the validator threw.
 */
export async function checkSchema(
  task: SyncTaskDefinition,
  data: unknown,
  refused: (issues: readonly SyncSchemaIssue[]) => string,
): Promise<unknown> {
  const { schema, tag } = task;
  if (!schema) return data;
  let result;
  try {
    result = schema['~standard'].validate(data);
    if (result instanceof Promise) result = await result;
  } catch (error) {
    throw new InvalidSyncResultError(SCHEMA_THREW(tag, error), { tag, cause: error });
  }
  if (typeof result !== 'object' || result === null) {
    throw new InvalidSyncResultError(SCHEMA_THREW(tag, new SyncError(`validate() returned ${String(result)}`)), {
      tag,
    });
  }
  if (result.issues) throw new InvalidSyncResultError(refused(result.issues), { tag, issues: result.issues });
  return result.value;
}
