import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { performance } from 'node:perf_hooks';
import type { SyncInstruments } from './telemetry.instruments.js';
import { SYNC_SPANS } from './telemetry.names.js';
import { formatTraceParent } from './traceparent.js';
import type { SyncCheckProbe, SyncCheckStep } from './check-probe.interface.js';

/** The parts of `@opentelemetry/api` a probe uses, loaded once by the facade. */
export interface SyncTraceApi {
  readonly tracer: Tracer;
  setSpan(parent: Context, span: Span): Context;
  active(): Context;
  withContext<T>(context: Context, run: () => T): T;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

/** A callback's outcome attribute: `timeout` for the module's own timeout, else `error`. */
const callbackOutcome = (error: unknown) =>
  (error as Error | undefined)?.name === 'SyncTimeoutError' ? 'timeout' : 'error';

/**
 * Instrumentation of one check: its span (parent of one span per step, when sampled) and the
 * callback timings. With no SDK the span is the API's non-recording one, so steps add no span
 * and no context switch: two clock reads and a no-op `record` per callback.
 */
export class CheckProbe implements SyncCheckProbe {
  readonly startedAt = performance.now();
  bytes: number | undefined;
  private readonly context: Context | undefined;

  constructor(
    private readonly tag: string,
    private readonly instruments: SyncInstruments,
    readonly span: Span | undefined,
    private readonly trace: SyncTraceApi | undefined,
  ) {
    if (span?.isRecording() && trace) this.context = trace.setSpan(trace.active(), span);
  }

  get traceparent(): string | undefined {
    return this.context && formatTraceParent(this.span!.spanContext());
  }

  step<T>(step: SyncCheckStep, run: () => T): T {
    const attributes: Attributes = this.instruments.attributes.task(this.tag);
    const span = this.context && this.trace!.tracer.startSpan(SYNC_SPANS[step], { attributes }, this.context);
    const start = performance.now();
    let result: T;
    try {
      result = span ? this.trace!.withContext(this.trace!.setSpan(this.context!, span), run) : run();
    } catch (error) {
      this.done(step, start, span, { error });
      throw error;
    }
    if (!isThenable(result)) {
      this.done(step, start, span);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        this.done(step, start, span);
        return value;
      },
      (error: unknown) => {
        this.done(step, start, span, { error });
        throw error;
      },
    ) as T;
  }

  dataSize(bytes: number): void {
    this.bytes = bytes;
  }

  private done(step: SyncCheckStep, start: number, span: Span | undefined, failure?: { error: unknown }): void {
    if (step === 'version' || step === 'data') {
      const outcome = failure ? callbackOutcome(failure.error) : 'ok';
      const attributes = this.instruments.attributes.callback(this.tag, step, outcome);
      this.instruments.callbackDuration.record((performance.now() - start) / 1000, attributes);
    }
    if (!span) return;
    if (failure) {
      const { error } = failure;
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
    }
    span.end();
  }
}
