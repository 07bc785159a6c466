import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySyncLock } from '../backends/memory/memory-sync.lock.js';
import { MemorySyncStore } from '../backends/memory/memory-sync.store.js';
import type { ContractRunner } from './contract.runner.js';
import { describeSyncLockContract, describeSyncStoreContract } from './index.js';

type Body = () => Promise<void>;

/** A tiny runner of our own, as a Jest or Vitest adapter would be: it records what the suite registers. */
function recordingRunner() {
  const groups: string[] = [];
  const cases: { name: string; body: Body }[] = [];
  const befores: Body[] = [];
  const afters: Body[] = [];
  const runner: ContractRunner = {
    describe: (name, body) => (groups.push(name), body()),
    it: (name, body) => cases.push({ name, body }),
    before: (body) => befores.push(body),
    after: (body) => afters.push(body),
  };
  /** Runs what was registered, in the order a runner would: before hooks, each case, after hooks. */
  const run = async (): Promise<string[]> => {
    const failed: string[] = [];
    for (const hook of befores) await hook();
    try {
      for (const { name, body } of cases) await body().catch((error: unknown) => failed.push(`${name}: ${error}`));
    } finally {
      for (const hook of afters) await hook();
    }
    return failed;
  };
  return { runner, groups, cases, befores, afters, run };
}

describe('the conformance suites run on any runner', () => {
  it('registers the store suite through the given functions only, and its cases pass when that runner runs them', async () => {
    const recorded = recordingRunner();
    describeSyncStoreContract('MemorySyncStore', () => new MemorySyncStore(), { runner: recorded.runner });
    assert.deepEqual(recorded.groups, ['SyncStore contract: MemorySyncStore']);
    assert.ok(recorded.cases.length >= 11, `${recorded.cases.length} cases registered`);
    assert.equal(recorded.befores.length, 1);
    assert.deepEqual(await recorded.run(), []);
  });

  it('registers the lock suite and its fault cases through the given functions', async () => {
    const recorded = recordingRunner();
    describeSyncLockContract('MemorySyncLock', () => new MemorySyncLock(), {
      runner: recorded.runner,
      fuzzMs: 300,
    });
    const names = recorded.cases.map((c) => c.name);
    assert.ok(
      names.some((n) => n.includes('TTL')),
      names.join('\n'),
    );
    assert.ok(!names.some((n) => n.includes('cannot be reached')), 'no unreachable case without its factory');
    assert.deepEqual(await recorded.run(), []);
  });

  it('registers the fault cases a store opts into, with their own cleanup', () => {
    const recorded = recordingRunner();
    describeSyncStoreContract('MemorySyncStore', () => new MemorySyncStore(), {
      runner: recorded.runner,
      withSerializer: () => new MemorySyncStore(),
      unreachable: () => new MemorySyncStore(),
    });
    const names = recorded.cases.map((c) => c.name);
    assert.equal(names.filter((n) => n.includes('SyncStoreFormatError')).length, 3, names.join('\n'));
    assert.equal(names.filter((n) => n.includes('SyncConnectionError')).length, 1, names.join('\n'));
    assert.equal(recorded.afters.length, 2, 'the suite closes its store and the serializer store');
  });

  it('fails the touchMany cases of a store said to batch that has no touchMany; passes them at once otherwise', async () => {
    /** The memory store without its optional touchMany. */
    const plain = () => Object.assign(new MemorySyncStore(), { touchMany: undefined });
    const failing = recordingRunner();
    describeSyncStoreContract('plain', plain, { runner: failing.runner, batches: true });
    const failed = await failing.run();
    assert.equal(failed.length, 3, failed.join('\n'));
    assert.ok(
      failed.every((f) => f.includes('touchMany() is missing')),
      failed.join('\n'),
    );
    const lenient = recordingRunner();
    describeSyncStoreContract('plain', plain, { runner: lenient.runner });
    assert.deepEqual(await lenient.run(), []);
  });
});
