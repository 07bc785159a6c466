import { catchError, filter, firstValueFrom, throwError, timeout as rxTimeout } from 'rxjs';
import { SyncTimeoutError } from '../sync.errors.js';
import type { SyncReplicaState } from './replica.state.js';

/**
 * Resolves once every task of `tags` has data in this process; with `timeout`, rejects
 * after that many ms with `SyncTimeoutError` whose message (`notReady`) names the tasks
 * still missing. Shared by `SyncService.whenReady()` and the module's `ready.wait`.
 * @throws UnknownSyncTaskError (at once) for a tag no `@SyncTask` registered.
 */
export async function whenReady(
  state: SyncReplicaState,
  tags: readonly string[],
  timeout: number | undefined,
  notReady: (missing: readonly string[], ms: number) => string,
): Promise<void> {
  const missing = new Set(tags.filter((tag) => state.entry(tag).snapshot === undefined));
  if (missing.size === 0) return;
  let ready$ = state.changes$.pipe(filter((snapshot) => missing.delete(snapshot.tag) && missing.size === 0));
  if (timeout !== undefined) {
    ready$ = ready$.pipe(
      rxTimeout(timeout),
      catchError(() => throwError(() => new SyncTimeoutError(notReady([...missing], timeout)))),
    );
  }
  await firstValueFrom(ready$);
}
