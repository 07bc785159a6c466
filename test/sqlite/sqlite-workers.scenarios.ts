import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SourceCall } from '../fixtures/file.source.js';
import { overlaps } from '../support/multi-process.scenarios.js';
import { timeUntil, waitFor } from '../support/wait-for.js';
import { type Launcher, WorkerGroup } from './sqlite-worker.group.js';

const INTERVAL = 200;
const LEASE_TTL = 1_000;
/** Slack for process scheduling on a loaded 2-core machine, on top of each bound. */
const MARGIN = 150;
const WORKERS = 4;

const firstCallBy = (calls: SourceCall[], after: number, notPid: number) =>
  calls.find((c) => c.at >= after && c.pid !== notPid && c.phase === 'start');
const dataStarts = (calls: SourceCall[]) =>
  calls.filter((c) => c.action === 'data' && c.phase === 'start').map((c) => c.version);

/**
 * The scenarios of the one-host backend with real worker processes on one port and one SQLite
 * file: one runner, DATA once per change, every worker serves each version, takeover after
 * kill -9 and after a graceful stop, and a SIGSTOPped leader that ends its term by its own clock and writes nothing.
 */
export function describeWorkerScenarios(launcher: Launcher, options: { skip?: string | false } = {}): void {
  describe(
    `one host, ${WORKERS} ${launcher} workers on SQLite (interval ${INTERVAL} ms, lease TTL ${LEASE_TTL} ms)`,
    { skip: options.skip, timeout: 180_000 },
    () => {
      const groups: WorkerGroup[] = [];
      const group = (env: Record<string, string> = {}) => {
        const created = new WorkerGroup(launcher, {
          SYNC_NAME: `w-${randomUUID().slice(0, 8)}`,
          SYNC_INTERVAL_MS: String(INTERVAL),
          SYNC_LEASE_TTL_MS: String(LEASE_TTL),
          ...env,
        });
        groups.push(created);
        return created;
      };
      const leader = async (g: WorkerGroup) => {
        await waitFor(() => g.leaders().length === 1, 10_000, 'exactly one leader');
        await waitFor(() => g.allServe(1), 5_000, 'every worker at version 1');
        return g.leaders()[0];
      };
      after(async () => {
        for (const g of groups) await g.stop();
      });

      it('one runner, DATA once per change, every worker serves each new version', async (t) => {
        const g = group();
        await g.start(WORKERS);
        const lead = await leader(g);
        for (const version of [2, 3, 4]) {
          g.source.setVersion('t', version);
          const ms = await timeUntil(() => g.allServe(version), INTERVAL + MARGIN * 3, `every worker at ${version}`);
          t.diagnostic(`version ${version}: every worker serves it ${ms} ms after the source changed`);
        }
        const calls = g.source.calls();
        assert.deepEqual(new Set(calls.map((c) => c.pid)), new Set([lead]), 'only the leader called the source');
        assert.equal(overlaps(calls), 0);
        assert.deepEqual(dataStarts(calls), [1, 2, 3, 4], 'one DATA per version, not one per worker');
        assert.equal(g.leaders().length, 1);
      });

      it('kill -9 of the leading worker: another takes over within lease TTL + one interval', async (t) => {
        const g = group();
        await g.start(WORKERS);
        const lead = await leader(g);
        const killedAt = Date.now();
        process.kill(lead, 'SIGKILL');
        await waitFor(
          () => firstCallBy(g.source.calls(), killedAt, lead),
          LEASE_TTL + INTERVAL + 5_000,
          'a new runner',
        );
        const takeover = firstCallBy(g.source.calls(), killedAt, lead)!.at - killedAt;
        t.diagnostic(`takeover after kill -9: ${takeover} ms (lease TTL ${LEASE_TTL} ms, interval ${INTERVAL} ms)`);
        assert.ok(takeover <= LEASE_TTL + INTERVAL + MARGIN, `takeover took ${takeover} ms`);
        g.source.setVersion('t', 2);
        await waitFor(() => g.allServe(2), INTERVAL + MARGIN * 3, 'the survivors at version 2');
        assert.equal(overlaps(g.source.calls()), 0);
        assert.deepEqual(dataStarts(g.source.calls()), [1, 2], 'no refetch at takeover');
      });

      it('graceful stop (SIGTERM) of the leading worker: another takes over within one interval', async (t) => {
        const g = group();
        await g.start(WORKERS);
        const lead = await leader(g);
        const stoppedAt = Date.now();
        process.kill(lead, 'SIGTERM');
        await waitFor(() => firstCallBy(g.source.calls(), stoppedAt, lead), INTERVAL + 5_000, 'a new runner');
        const takeover = firstCallBy(g.source.calls(), stoppedAt, lead)!.at - stoppedAt;
        t.diagnostic(`takeover after a graceful stop: ${takeover} ms (interval ${INTERVAL} ms)`);
        assert.ok(takeover <= INTERVAL + MARGIN, `takeover took ${takeover} ms`);
        assert.equal(overlaps(g.source.calls()), 0);
      });

      it('a SIGSTOPped leader resumed past its lease ends its term by its own clock and writes nothing', async (t) => {
        const g = group({ DATA_BLOCK_MS: '300' });
        await g.start(WORKERS);
        const lead = await leader(g);
        g.source.setVersion('t', 2);
        // SQLite answers the keeper's renewal without a round trip, so a leader paused in an async wait would
        // learn of its lost lease before its DATA resolves; a synchronous DATA block resumes straight into the write.
        await waitFor(
          () => g.source.calls().some((c) => c.pid === lead && c.action === 'data' && c.version === 2),
          2_000,
          'the leader fetching DATA',
        );
        process.kill(lead, 'SIGSTOP');
        const others = () => g.live().filter((pid) => pid !== lead);
        await waitFor(() => g.leaders(others()).length === 1, LEASE_TTL + INTERVAL + 5_000, 'a new leader');
        g.source.setVersion('t', 3);
        await waitFor(() => others().every((pid) => g.version(pid) === 3), 5_000, 'the others at version 3');
        const resumedAt = Date.now();
        process.kill(lead, 'SIGCONT');
        // The blocked DATA returns on resume, straight into the write; the checker re-checks the lease by the
        // monotonic clock first, so the term ends there and nothing reaches the file (no write to refuse).
        const warnings = () => (g.events().get(lead) ?? []).filter((e) => e.type === 'warn');
        const lost = await waitFor(
          () => warnings().find((e) => e.type === 'warn' && /Lost the lease/.test(e.message)),
          5_000,
          `the ex-leader to end its term: ${JSON.stringify(g.events().get(lead))}`,
        );
        await waitFor(() => g.version(lead) === 3, 5_000, 'the ex-leader catching up');
        await sleep(INTERVAL * 2);
        t.diagnostic(`ex-leader: ${lost.type === 'warn' ? lost.message : ''}`);
        assert.equal(
          warnings().filter((e) => e.type === 'warn' && /refused a write/.test(e.message)).length,
          0,
          'the ex-leader sent no late write',
        );
        assert.deepEqual(
          g.source.calls().filter((c) => c.pid === lead && c.phase === 'start' && c.at >= resumedAt),
          [],
          'the ex-leader called the source after resuming',
        );
        for (const pid of g.live()) {
          const history = g.history(pid);
          assert.deepEqual(
            history,
            [...history].sort((a, b) => a - b),
            `worker ${pid} went back: ${history}`,
          );
          assert.equal(g.version(pid), 3);
        }
        assert.equal(g.leaders().length, 1);
      });
    },
  );
}
