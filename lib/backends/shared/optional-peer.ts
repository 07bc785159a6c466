import { SyncPeerMissingError } from '../../backend/index.js';
import { PEER_MISSING } from './backend.messages.js';

/** Loads an optional peer for `owner` (the class named in the error); see `optionalPeer`. */
export type OptionalPeerLoader<M> = (owner: string) => Promise<M>;

/** Whether `error` says that `name` itself cannot be found (not one of its own dependencies). */
function isMissing(error: unknown, name: string): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  // ESM: "Cannot find package 'x' imported from …"; CommonJS: "Cannot find module 'x'".
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    error instanceof Error &&
    error.message.includes(`'${name}'`)
  );
}

/**
 * The loader of an optional peer dependency, imported on first use rather than at the top of a module:
 * a static import of a missing package fails at link time in ESM, before any code of the subpath runs,
 * with Node's bare "Cannot find package". `load` must be the literal `() => import('<name>')`, which the
 * ESM build keeps and the CommonJS build compiles to a `require`. The package is loaded once; when it is
 * not installed, each call rejects with a `SyncPeerMissingError` naming `owner`, the package and the
 * install command (`range` as in the package's peerDependencies).
 */
export function optionalPeer<M>(name: string, range: string, load: () => Promise<M>): OptionalPeerLoader<M> {
  let loading: Promise<M> | undefined;
  return (owner) => {
    loading ??= load();
    return loading.catch((error: unknown) => {
      throw isMissing(error, name)
        ? new SyncPeerMissingError(PEER_MISSING(owner, name, range), name, { cause: error })
        : error;
    });
  };
}
