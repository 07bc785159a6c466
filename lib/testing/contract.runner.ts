import { after, before, describe, it } from 'node:test';

/**
 * The functions of a test runner the conformance suites register through, so that a
 * backend author on Jest, Vitest or Mocha runs the same suites as this package does
 * on `node:test` (as keyv's test suite takes `test`). With Jest or Vitest pass
 * `{ describe, it, before: beforeAll, after: afterAll }`.
 */
export interface ContractRunner {
  /** Groups cases; `body` registers them synchronously. */
  describe(name: string, body: () => void): unknown;
  /** One case; fails when `body` rejects. */
  it(name: string, body: () => Promise<void>): unknown;
  /** Runs once before the cases of the enclosing group. */
  before(body: () => Promise<void>): unknown;
  /** Runs once after the cases of the enclosing group, also when one failed. */
  after(body: () => Promise<void>): unknown;
}

/** The default runner: Node's own `node:test`. */
export const nodeTestRunner: ContractRunner = {
  describe: (name, body) => describe(name, body),
  it: (name, body) => it(name, body),
  before: (body) => before(body),
  after: (body) => after(body),
};
