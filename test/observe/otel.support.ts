import { AggregationTemporality, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** A reader the test collects from on demand (the SDK's pull path, no exporter timer). */
class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One data point as the tests look at it: attributes and a value (a histogram's count and sum). */
export interface Point {
  attributes: Record<string, unknown>;
  value: number;
  count?: number;
  sum?: number;
}

/** An OpenTelemetry SDK of its own (meter + tracer provider) with in-memory collection. */
export class TestOtel {
  private readonly reader = new PullReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  readonly spans = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spans)] });

  /** Every metric now, by name. */
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await this.reader.collect();
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) for (const m of scope.metrics) byName.set(m.descriptor.name, m);
    return byName;
  }

  /** Data points of `name` (empty when the metric has none). */
  async points(name: string): Promise<Point[]> {
    const metric = (await this.metrics()).get(name);
    return (metric?.dataPoints ?? []).map((p) => {
      const value = p.value as number | { count: number; sum?: number };
      return typeof value === 'number'
        ? { attributes: p.attributes, value }
        : { attributes: p.attributes, value: value.count, count: value.count, sum: value.sum };
    });
  }

  /** Sum of the values of `name` whose attributes include `match`. */
  async total(name: string, match: Record<string, unknown> = {}): Promise<number> {
    const points = await this.points(name);
    return points
      .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
      .reduce((sum, p) => sum + p.value, 0);
  }

  finishedSpans(name?: string): ReadableSpan[] {
    return this.spans.getFinishedSpans().filter((s) => name === undefined || s.name === name);
  }

  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }
}
