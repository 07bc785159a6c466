import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncHeartbeat } from '../../backend/sync-heartbeat.interface.js';
import { fleetView } from './fleet.view.js';

const beat = (instance: string, leader: boolean, startedAt: number, revision: number, installedAt?: number) =>
  ({
    instance,
    host: 'h',
    pid: 1,
    startedAt,
    at: 1_000,
    leader,
    tasks: { t: { version: revision * 10, revision, origin: 'live', installedAt } },
  }) satisfies SyncHeartbeat;

describe('fleetView', () => {
  it('puts the leader first, marks self, and flags the instances behind the newest revision with the lag time', () => {
    const view = fleetView(
      [beat('old', false, 1, 4, 100), beat('lead', true, 3, 5, 500), beat('fresh', false, 2, 5, 450)],
      'fresh',
      1_000,
    );
    assert.deepEqual(
      view.map((i) => i.instance),
      ['lead', 'old', 'fresh'],
    );
    assert.deepEqual(
      view.map((i) => i.self),
      [false, false, true],
    );
    const [lead, old, fresh] = view.map((i) => i.tasks[0]);
    assert.equal(lead.lagging, false);
    assert.equal(fresh.lagging, false);
    assert.equal(old.lagging, true);
    assert.equal(old.lagMs, 550, 'since the newest revision was first installed (450)');
    assert.equal(old.version, 40);
    assert.deepEqual(old.installedAt, new Date(100));
  });

  it('reports no lag when every instance serves the same revision, or has none yet', () => {
    const view = fleetView([beat('a', true, 1, 0), beat('b', false, 2, 0)], 'a');
    assert.ok(view.every((i) => !i.tasks[0].lagging && i.tasks[0].lagMs === undefined));
  });
});
