import type { Attributes, Counter, Histogram, Meter, ObservableGauge } from '@opentelemetry/api';
import { BYTES_BUCKETS, SECONDS_BUCKETS, SYNC_METRICS, type SyncMetricSpec } from './telemetry.names.js';

/**
 * Attribute sets, made once per (task, value) and reused: the hot path then allocates
 * nothing for attributes, and the values stay bounded (tags, outcomes, actions; never
 * versions, instance ids or error texts).
 */
export class SyncAttributeCache {
  readonly base: Attributes;
  private readonly cache = new Map<string, Attributes>();

  constructor(namespace: string, backend: string) {
    this.base = Object.freeze({ 'sync.namespace': namespace, 'sync.backend': backend });
  }

  task(tag: string): Attributes {
    return this.get(tag, () => ({ ...this.base, 'sync.task': tag }));
  }

  outcome(tag: string, outcome: string): Attributes {
    return this.get(`${tag}\u0000${outcome}`, () => ({ ...this.task(tag), 'sync.outcome': outcome }));
  }

  callback(tag: string, action: string, outcome: string): Attributes {
    return this.get(`${tag}\u0000${action}\u0000${outcome}`, () => ({
      ...this.task(tag),
      'sync.action': action,
      'sync.outcome': outcome,
    }));
  }

  private get(key: string, make: () => Attributes): Attributes {
    let attributes = this.cache.get(key);
    if (!attributes) {
      attributes = Object.freeze(make());
      this.cache.set(key, attributes);
    }
    return attributes;
  }
}

/** The module's instruments on one meter (names, units and descriptions from `SYNC_METRICS`). */
export class SyncInstruments {
  readonly checkDuration: Histogram;
  readonly callbackDuration: Histogram;
  readonly dataSize: Histogram;
  readonly propagationDelay: Histogram;
  readonly changes: Counter;
  readonly failures: Counter;
  readonly fencedWrites: Counter;
  readonly acquisitions: Counter;
  readonly losses: Counter;
  readonly renewFailures: Counter;
  readonly leader: ObservableGauge;
  readonly replicaAge: ObservableGauge;

  constructor(
    meter: Meter,
    readonly attributes: SyncAttributeCache,
  ) {
    const histogram = (spec: SyncMetricSpec, buckets: number[]) =>
      meter.createHistogram(spec.name, {
        unit: spec.unit,
        description: spec.description,
        advice: { explicitBucketBoundaries: buckets },
      });
    const counter = (spec: SyncMetricSpec) =>
      meter.createCounter(spec.name, { unit: spec.unit, description: spec.description });
    const gauge = (spec: SyncMetricSpec) =>
      meter.createObservableGauge(spec.name, { unit: spec.unit, description: spec.description });
    this.checkDuration = histogram(SYNC_METRICS.checkDuration, SECONDS_BUCKETS);
    this.callbackDuration = histogram(SYNC_METRICS.callbackDuration, SECONDS_BUCKETS);
    this.dataSize = histogram(SYNC_METRICS.dataSize, BYTES_BUCKETS);
    this.propagationDelay = histogram(SYNC_METRICS.propagationDelay, SECONDS_BUCKETS);
    this.changes = counter(SYNC_METRICS.changes);
    this.failures = counter(SYNC_METRICS.failures);
    this.fencedWrites = counter(SYNC_METRICS.fencedWrites);
    this.acquisitions = counter(SYNC_METRICS.acquisitions);
    this.losses = counter(SYNC_METRICS.losses);
    this.renewFailures = counter(SYNC_METRICS.renewFailures);
    this.leader = gauge(SYNC_METRICS.leader);
    this.replicaAge = gauge(SYNC_METRICS.replicaAge);
  }
}

/** A failure's kind for `sync.failures`: a small fixed set, from the error's class name. */
export function failureKind(error: { name?: string } | undefined): string {
  switch (error?.name) {
    case 'SyncTimeoutError':
      return 'timeout';
    case 'SyncCallbackError':
      return 'callback';
    case 'InvalidSyncResultError':
      return 'invalid_result';
    default:
      return 'store';
  }
}
