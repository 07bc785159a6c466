import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { POSTGRES_URL, REDIS_URL, postgresSkip, redisSkip } from '../support/services.js';
import { dropSchema } from '../postgres/postgres-test.helper.js';
import { deleteKeys, testPrefix } from '../redis/redis-test.util.js';
import type { Instance } from '../support/cluster.js';
import { waitFor } from '../support/wait-for.js';
import { ObserveCluster } from './observe.cluster.js';

interface SpanJson {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: { traceId: string; spanId: string }[];
  attributes: Record<string, unknown>;
}

const prefix = testPrefix();
const schema = `vsync_trace_${randomBytes(5).toString('hex')}`;

/** Two real processes with an OpenTelemetry SDK each (OTEL=1 in the fixture), on one backend. */
function describeTraceLink(
  label: string,
  env: Record<string, string>,
  skip: string | false,
  cleanup: () => Promise<void>,
) {
  describe(`trace context across processes (${label})`, { skip }, () => {
    const cluster = new ObserveCluster({ ...env, OTEL: '1' }, ['t']);
    after(async () => {
      await cluster.stop();
      await cleanup();
    });

    it("links each follower's install span to the leader's check span that wrote the version", async () => {
      const instances = await cluster.start(2);
      const state = (i: Instance) => cluster.get<{ leader: boolean; versions: Record<string, number> }>(i, '/state');
      const spans = (i: Instance) => cluster.get<SpanJson[]>(i, '/spans');
      await waitFor(
        async () => (await Promise.all(instances.map(state))).every((s) => s.versions.t === 1),
        5_000,
        'v1',
      );
      const leader = (await state(instances[0])).leader ? instances[0] : instances[1];
      const follower = instances.find((i) => i !== leader)!;

      cluster.source.setVersion('t', 2);
      await waitFor(async () => (await state(follower)).versions.t === 2, 5_000, 'the follower installs v2');
      const leaderSpans = await spans(leader);
      const check = leaderSpans
        .filter((s) => s.name === 'sync.check' && s.attributes['sync.outcome'] === 'changed')
        .at(-1)!;
      assert.ok(check, 'the leader traced the check that wrote v2');
      assert.deepEqual(
        leaderSpans.filter((s) => s.parentSpanId === check.spanId).map((s) => s.name),
        ['sync.version', 'sync.data', 'sync.store.write'],
      );
      const install = await waitFor(
        async () => (await spans(follower)).find((s) => s.name === 'sync.install' && s.links.length === 1),
        2_000,
        'an install span with a link',
      );
      assert.deepEqual(install.links[0], { traceId: check.traceId, spanId: check.spanId });
      assert.equal(install.attributes['sync.task'], 't');
      assert.equal(install.attributes['sync.backend'], label.toLowerCase());
    });
  });
}

const redisEnv = { SYNC_REDIS_URL: REDIS_URL, SYNC_KEY_PREFIX: prefix };
describeTraceLink('Redis', redisEnv, await redisSkip(), () => deleteKeys(REDIS_URL, prefix));
const postgresEnv = { SYNC_POSTGRES_URL: POSTGRES_URL, SYNC_PG_SCHEMA: schema };
describeTraceLink('Postgres', postgresEnv, await postgresSkip(), () => dropSchema(schema));
