import type { ModulesContainer } from '@nestjs/core';
import { DuplicateSyncModuleError } from './sync.errors.js';
import { DUPLICATE_MODULE } from './sync.messages.js';

/**
 * The namespaces claimed per application. Each `SyncModule` import is its own module
 * instance with its own providers, so they learn of each other only through something
 * every module of one application shares and two applications never do: Nest's
 * `ModulesContainer`. Keyed weakly, so a closed application's entry goes with it.
 */
const claims = new WeakMap<ModulesContainer, Set<string>>();

/**
 * Claims `name` for one `SyncModule` of the application that owns `container`.
 * @throws DuplicateSyncModuleError when another `SyncModule` of that application holds it.
 */
export function claimSyncNamespace(container: ModulesContainer, name: string): void {
  let names = claims.get(container);
  if (!names) claims.set(container, (names = new Set()));
  if (names.has(name)) throw new DuplicateSyncModuleError(DUPLICATE_MODULE(name));
  names.add(name);
}
