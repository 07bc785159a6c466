/** Kind of an instrument, as the OpenTelemetry API creates it. */
export type SyncInstrumentKind = 'histogram' | 'counter' | 'gauge';

/** One metric the module records: the single table the facade, the Prometheus adapter and the README follow. */
export interface SyncMetricSpec {
  /** OpenTelemetry name (dotted, no `_total`, unit not in the name). */
  readonly name: string;
  readonly kind: SyncInstrumentKind;
  /** UCUM unit: `s`, `By`, or an annotation in braces. */
  readonly unit: string;
  readonly description: string;
  /** Attribute keys beside `sync.namespace` and `sync.backend` (always there). */
  readonly attributes: readonly string[];
}

/** Histogram bounds in seconds: from a cached version read (~1 ms) to a slow DATA call (a minute). */
export const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Histogram bounds in bytes of JSON: 1 KiB to 64 MiB. */
export const BYTES_BUCKETS = [1024, 16_384, 131_072, 1_048_576, 8_388_608, 67_108_864];

/** Every metric of the module, keyed by the facade's name for it. */
export const SYNC_METRICS = {
  checkDuration: {
    name: 'sync.check.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of one version-gated check on the leader (VERSION, then DATA and the write if it changed).',
    attributes: ['sync.task', 'sync.outcome'],
  },
  callbackDuration: {
    name: 'sync.callback.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of one call of a task method, per action (version or data).',
    attributes: ['sync.task', 'sync.action', 'sync.outcome'],
  },
  changes: {
    name: 'sync.changes',
    kind: 'counter',
    unit: '{change}',
    description: 'New versions written by the leader.',
    attributes: ['sync.task'],
  },
  failures: {
    name: 'sync.failures',
    kind: 'counter',
    unit: '{failure}',
    description:
      'Failed checks (leader) and failed reads (followers), by kind: callback, timeout, invalid_result, store, read.',
    attributes: ['sync.task', 'sync.outcome'],
  },
  fencedWrites: {
    name: 'sync.writes.fenced',
    kind: 'counter',
    unit: '{write}',
    description: 'Writes or touches the store refused because another process holds a newer fence.',
    attributes: ['sync.task'],
  },
  leader: {
    name: 'sync.leader',
    kind: 'gauge',
    unit: '1',
    description: '1 while this process holds the lease of the namespace, else 0.',
    attributes: [],
  },
  acquisitions: {
    name: 'sync.leadership.acquisitions',
    kind: 'counter',
    unit: '{acquisition}',
    description: 'Times this process acquired the lease.',
    attributes: [],
  },
  losses: {
    name: 'sync.leadership.losses',
    kind: 'counter',
    unit: '{loss}',
    description: 'Times this process lost the lease other than by shutting down (refused or late renewal).',
    attributes: [],
  },
  renewFailures: {
    name: 'sync.lease.renewal.failures',
    kind: 'counter',
    unit: '{failure}',
    description: 'Lease renewals that failed or did not answer in time.',
    attributes: [],
  },
  replicaAge: {
    name: 'sync.replica.age',
    kind: 'gauge',
    unit: 's',
    description: "Seconds since the last successful check of the data this process serves (the leader's check).",
    attributes: ['sync.task'],
  },
  dataSize: {
    name: 'sync.data.size',
    kind: 'histogram',
    unit: 'By',
    description: 'Size of the JSON of each new version, measured by the leader.',
    attributes: ['sync.task'],
  },
  propagationDelay: {
    name: 'sync.propagation.delay',
    kind: 'histogram',
    unit: 's',
    description: "From the leader's write to this follower's install of that version (clocks of two hosts).",
    attributes: ['sync.task'],
  },
} as const satisfies Record<string, SyncMetricSpec>;

/** Span names: one per check, a child per step, and the follower's install. */
export const SYNC_SPANS = {
  check: 'sync.check',
  version: 'sync.version',
  data: 'sync.data',
  write: 'sync.store.write',
  touch: 'sync.store.touch',
  install: 'sync.install',
} as const;

/** The instrumentation scope name (meter and tracer). */
export const SYNC_SCOPE = 'nestjs-version-sync';
