import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Attributes, Meter, ObservableResult, Span, Tracer } from '@opentelemetry/api';
import { SYNC_OPTIONS } from '../../sync.constants.js';
import { SYNC_MODULE_OPTIONS } from '../../sync.module-definition.js';
import type { NormalizedSyncOptions } from '../../interfaces/sync-options.interface.js';
import type { SyncStoreEvent } from '../../backend/sync-store.interface.js';
import type { SyncCheckOutcome } from '../check.outcome.js';
import { SyncReplicaState, type SyncTaskState } from '../replica.state.js';
import { CheckProbe, type SyncTraceApi } from './check.probe.js';
import { NO_PROBE, type SyncCheckProbe } from './check-probe.interface.js';
import { SyncAttributeCache, SyncInstruments, failureKind } from './telemetry.instruments.js';
import { SYNC_SCOPE, SYNC_SPANS } from './telemetry.names.js';
import { checkTelemetryOption } from '../../sync-telemetry-options.normalizer.js';
import { parseTraceParent } from './traceparent.js';

type OtelApi = typeof import('@opentelemetry/api');

/** A `change` event seen by a follower, kept until the record it announces is installed. */
interface Announced {
  revision: number;
  trace: string | undefined;
  at: number;
}

/** The `sync.backend` attribute: the store's class name without `SyncStore` (`redis`, `postgres`, `memory`…). */
export function backendName(store: object): string {
  return store.constructor.name.replace(/SyncStore$/, '').toLowerCase() || 'custom';
}

/**
 * The module's one instrumentation point: the engine calls these methods at the moments that
 * matter (a check, a leadership change, an install) and this class turns them into metrics
 * and spans through `@opentelemetry/api` only. The API is an optional peer, loaded at module
 * init: without it, with `telemetry: false`, or with no SDK registered by then (the API's no-op
 * meter and tracer), every method returns at once and a check runs with an empty probe.
 */
@Injectable()
export class SyncTelemetry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SyncModule');
  private instruments: SyncInstruments | undefined;
  private trace: SyncTraceApi | undefined;
  private leader = false;
  private readonly announced = new Map<string, Announced>();
  private readonly observeLeader = (result: ObservableResult) =>
    result.observe(this.leader ? 1 : 0, this.instruments!.attributes.base);
  private readonly observeAge = (result: ObservableResult) => {
    const now = Date.now();
    for (const state of this.state.all()) {
      if (state.snapshot && state.lastCheckedAt !== undefined) {
        result.observe((now - state.lastCheckedAt) / 1000, this.instruments!.attributes.task(state.task.tag));
      }
    }
  };

  constructor(
    @Inject(SYNC_OPTIONS) private readonly options: NormalizedSyncOptions,
    @Inject(SYNC_MODULE_OPTIONS) private readonly raw: { telemetry?: unknown },
    private readonly state: SyncReplicaState,
  ) {
    checkTelemetryOption(raw.telemetry);
  }

  /** Whether metrics are recorded (an API or a meter provider was found, and telemetry is not off). */
  get enabled(): boolean {
    return this.instruments !== undefined;
  }

  async onModuleInit(): Promise<void> {
    const option = checkTelemetryOption(this.raw.telemetry);
    if (option === false) return;
    let api: OtelApi | undefined;
    try {
      api = await import('@opentelemetry/api');
    } catch {
      // Optional peer: an app without it gets no spans, and metrics only through an explicit meterProvider.
    }
    const provider = option?.meterProvider ?? api?.metrics.getMeterProvider();
    if (!provider) return;
    const meter = provider.getMeter(SYNC_SCOPE) as Meter;
    const tracerProvider = option?.tracerProvider ?? api?.trace.getTracerProvider();
    // No SDK registered (the API's no-op meter, a tracer proxy without delegate): stay off, so an app
    // that only has the API pays nothing per check. The SDK must therefore be started before the app.
    const noMeter = api !== undefined && meter === api.createNoopMeter();
    const noTracer =
      tracerProvider === undefined ||
      (api !== undefined &&
        tracerProvider instanceof api.ProxyTracerProvider &&
        tracerProvider.getDelegateTracer(SYNC_SCOPE) === undefined);
    if (noMeter && noTracer) return;
    this.instruments = new SyncInstruments(
      meter,
      new SyncAttributeCache(this.options.name, backendName(this.options.store)),
    );
    this.instruments.leader.addCallback(this.observeLeader);
    this.instruments.replicaAge.addCallback(this.observeAge);
    if (!api || noTracer) return;
    const tracer = tracerProvider!.getTracer(SYNC_SCOPE) as Tracer;
    const { context, trace } = api;
    this.trace = {
      tracer,
      setSpan: (parent, span) => trace.setSpan(parent, span),
      active: () => context.active(),
      withContext: (ctx, run) => context.with(ctx, run),
    };
  }

  /** Stops observing, so a closed app (hot reload, tests) leaves no callback on a shared meter. */
  onApplicationShutdown(): void {
    this.instruments?.leader.removeCallback(this.observeLeader);
    this.instruments?.replicaAge.removeCallback(this.observeAge);
  }

  /** Runs one check of `state` inside its span and records its duration and outcome. */
  check(state: SyncTaskState, run: (probe: SyncCheckProbe) => Promise<SyncCheckOutcome>): Promise<SyncCheckOutcome> {
    // Not async when off: no extra promise per check.
    return this.instruments ? this.traced(this.instruments, state, run) : run(NO_PROBE);
  }

  private async traced(
    instruments: SyncInstruments,
    state: SyncTaskState,
    run: (probe: SyncCheckProbe) => Promise<SyncCheckOutcome>,
  ): Promise<SyncCheckOutcome> {
    const { tag } = state.task;
    const attributes = instruments.attributes.task(tag);
    const span: Span | undefined = this.trace?.tracer.startSpan(SYNC_SPANS.check, { attributes });
    const probe = new CheckProbe(tag, instruments, span, this.trace);
    let outcome: SyncCheckOutcome = 'failed';
    try {
      outcome = await run(probe);
      return outcome;
    } finally {
      const seconds = (performance.now() - probe.startedAt) / 1000;
      instruments.checkDuration.record(seconds, instruments.attributes.outcome(tag, outcome));
      if (outcome === 'changed') {
        instruments.changes.add(1, attributes);
        if (probe.bytes !== undefined) instruments.dataSize.record(probe.bytes, attributes);
      } else if (outcome === 'failed') {
        instruments.failures.add(1, instruments.attributes.outcome(tag, failureKind(state.lastError)));
      } else if (outcome === 'fenced') {
        instruments.fencedWrites.add(1, attributes);
      }
      if (span?.isRecording()) {
        span.setAttribute('sync.outcome', outcome);
        if (outcome === 'failed') span.setStatus({ code: 2, message: state.lastError?.message });
      }
      span?.end();
    }
  }

  /** The lease was acquired. */
  leadershipAcquired(): void {
    this.leader = true;
    this.instruments?.acquisitions.add(1, this.instruments.attributes.base);
  }

  /** The lease was lost (refused or late renewal), not given up at shutdown. */
  leadershipLost(): void {
    this.instruments?.losses.add(1, this.instruments.attributes.base);
  }

  /** The term ended, for whatever reason. */
  leadershipEnded(): void {
    this.leader = false;
  }

  /** A lease renewal failed or timed out. */
  renewFailed(): void {
    this.instruments?.renewFailures.add(1, this.instruments.attributes.base);
  }

  /** A follower saw a `change` event: remembered so the install can link to the leader's check span. */
  eventReceived(event: SyncStoreEvent): void {
    if (!this.instruments || event.type !== 'change') return;
    this.announced.set(event.tag, { revision: event.revision, trace: event.trace, at: Date.now() });
  }

  /** A follower installed a record read from the store. */
  installed(tag: string, record: { revision: number; modifiedAt: number }): void {
    const instruments = this.instruments;
    if (!instruments) return;
    const now = Date.now();
    const attributes: Attributes = instruments.attributes.task(tag);
    instruments.propagationDelay.record(Math.max(0, now - record.modifiedAt) / 1000, attributes);
    const announced = this.announced.get(tag);
    if (announced && announced.revision <= record.revision) this.announced.delete(tag);
    if (!this.trace) return;
    const parent = announced?.revision === record.revision ? parseTraceParent(announced.trace) : undefined;
    const links = parent ? [{ context: { ...parent, isRemote: true } }] : [];
    const span = this.trace.tracer.startSpan(SYNC_SPANS.install, {
      attributes: { ...attributes, 'sync.revision': record.revision },
      links,
      startTime: announced?.at ?? now,
      root: true,
    });
    span.end(now);
  }

  /** A follower failed to read or decode a record. */
  readFailed(tag: string): void {
    this.instruments?.failures.add(1, this.instruments.attributes.outcome(tag, 'read'));
  }

  /** A telemetry that records nothing, for parts built without Nest (unit specs). */
  static off(options: NormalizedSyncOptions, state: SyncReplicaState): SyncTelemetry {
    return new SyncTelemetry(options, { telemetry: false }, state);
  }
}
