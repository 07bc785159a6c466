import type { SyncLock } from '../backend/index.js';
import type { ContractRunner } from './contract.runner.js';

/** Builds the lock under test; called once per suite. */
export type SyncLockFactory = () => SyncLock | Promise<SyncLock>;

/** Tuning for slower backends (the defaults suit loopback servers), the runner, and the fault factories. */
export interface SyncLockContractOptions {
  /** TTL used by the expiry tests, ms (default 300). */
  shortTtl?: number;
  /** Contenders and duration of the fuzz (default 12 contenders for 1500 ms). */
  fuzzContenders?: number;
  fuzzMs?: number;
  /** The test runner's functions (default `node:test`); see `ContractRunner`. */
  runner?: ContractRunner;
  /** Builds a lock whose server does not answer (a closed port): turns on the unreachable-server case. */
  unreachable?: SyncLockFactory;
  /** ms within which calls of the `unreachable` lock must fail (default 5000). */
  unreachableWithin?: number;
}

/** What each group of lock cases gets from the suite. */
export interface LockCaseContext {
  readonly it: ContractRunner['it'];
  /** The lock under test, built once by the suite's `before`. */
  lock(): SyncLock;
  /** A lease name no other case uses, so a suite can run against a shared server. */
  fresh(): string;
  readonly shortTtl: number;
  readonly options: SyncLockContractOptions;
}
