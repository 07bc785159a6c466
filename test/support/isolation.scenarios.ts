import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SyncService } from '../../lib/index.js';
import type { SyncLock, SyncStore } from '../../lib/backend/index.js';
import { createSyncApp, type SyncTestApp } from './sync-app.js';
import { waitFor } from './wait-for.js';
import { taskFor, VersionedSource } from './task-classes.js';

/** Settings of the isolation scenarios for one backend. */
export interface IsolationOptions {
  /** A new store and lock on the shared server (the same prefix / schema for every call). */
  backend: () => { store: SyncStore; lock: SyncLock };
  skip?: string | false;
  cleanup?: () => Promise<void>;
}

/**
 * Isolation and safety every distributed backend keeps: two namespaces on one
 * server never see each other's data or lease, and JSON with `__proto__` /
 * `constructor` keys, decoded in a follower, cannot pollute prototypes.
 */
export function describeIsolation(label: string, options: IsolationOptions): void {
  describe(`isolation and safety (${label})`, { skip: options.skip, timeout: 30_000 }, () => {
    const apps: SyncTestApp[] = [];
    const boot = async (name: string, source: VersionedSource) => {
      const booted = await createSyncApp({ interval: 50, name, ...options.backend() }, [taskFor('t', source)]);
      apps.push(booted);
      return booted.app.get(SyncService);
    };
    after(async () => {
      for (const { app } of apps) await app.close();
      await options.cleanup?.();
    });

    it('keeps two namespaces apart: each has its own leader and its own data under the same tag', async () => {
      const a = new VersionedSource();
      const b = new VersionedSource();
      a.version = 'a-1';
      b.version = 'b-1';
      const [a1, a2, b1, b2] = [
        await boot('iso-a', a),
        await boot('iso-a', a),
        await boot('iso-b', b),
        await boot('iso-b', b),
      ];
      await Promise.all([a1, a2, b1, b2].map((s) => s.whenReady(undefined, { timeout: 5_000 })));
      assert.equal([a1, a2].filter((s) => s.isLeader()).length, 1, 'one leader in namespace a');
      assert.equal([b1, b2].filter((s) => s.isLeader()).length, 1, 'one leader in namespace b');
      b.version = 'b-2';
      await waitFor(() => b1.getVersion('t') === 'b-2' && b2.getVersion('t') === 'b-2', 3_000, 'namespace b at b-2');
      for (const s of [a1, a2]) assert.deepEqual(s.getData('t'), { version: 'a-1', items: ['item-a-1'] });
      assert.equal(a.count('data' as never), 1, "namespace a fetched its data once, never b's");
    });

    it('decodes __proto__ and constructor keys as plain data, polluting no prototype', async () => {
      const source = new VersionedSource();
      const hostile = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"ok":true}';
      source.behaviour = (action) => (action === 'version' ? 'p-1' : JSON.parse(hostile));
      const leader = await boot('iso-proto', source);
      await leader.whenReady(undefined, { timeout: 5_000 });
      const follower = await boot('iso-proto', source);
      await follower.whenReady(undefined, { timeout: 5_000 });
      assert.equal(follower.isLeader(), false, 'the follower decoded the data from the store');
      const data = follower.getData<Record<string, unknown>>('t')!;
      assert.equal(data.ok, true);
      assert.deepEqual(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, { polluted: 'yes' });
      assert.equal(Object.getPrototypeOf(data), Object.prototype);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    });
  });
}
