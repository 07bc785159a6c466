import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';
import { SYNC_METRICS } from '../engine/telemetry/telemetry.names.js';
import { prometheusLabel, prometheusName } from './prometheus.names.js';

type Attributes = Record<string, string | number | boolean | undefined>;

/** What the engine calls on an OpenTelemetry meter, as far as this adapter provides it. */
interface InstrumentOptions {
  unit?: string;
  description?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** An observable gauge's result handle, as the OpenTelemetry API hands it to callbacks. */
interface GaugeResult {
  observe(value: number, attributes?: Attributes): void;
}

type GaugeCallback = (result: GaugeResult) => void;

/** Labels every series has, beside each metric's own (from `SYNC_METRICS`). */
const COMMON_LABELS = ['sync.namespace', 'sync.backend'];

/** The label names of the OpenTelemetry metric `name`, from the module's table, so Prometheus knows them up front. */
function labelNamesOf(name: string): string[] {
  const spec = Object.values(SYNC_METRICS).find((m) => m.name === name);
  return [...COMMON_LABELS, ...(spec?.attributes ?? [])].map(prometheusLabel);
}

function labelsOf(attributes: Attributes | undefined): Record<string, string | number> {
  const labels: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value !== undefined) labels[prometheusLabel(key)] = typeof value === 'boolean' ? String(value) : value;
  }
  return labels;
}

/** Gauge callbacks per registry and metric: shared by every module (and every hot reload) using that registry. */
const callbacksByRegistry = new WeakMap<Registry, Map<string, Set<GaugeCallback>>>();

/**
 * An OpenTelemetry-shaped meter that records into a prom-client `Registry`. A metric that
 * the registry already holds (a second module, a hot reload, a second call) is reused
 * instead of registered again, so prom-client never throws "already registered".
 */
class PrometheusMeter {
  constructor(private readonly registry: Registry) {}

  createHistogram(name: string, options: InstrumentOptions = {}) {
    const metric = this.metric(prometheusName(name, options.unit, false), Histogram, (metricName) => {
      const buckets = options.advice?.explicitBucketBoundaries;
      return new Histogram({
        name: metricName,
        help: options.description ?? name,
        labelNames: labelNamesOf(name),
        registers: [this.registry],
        ...(buckets ? { buckets } : {}),
      });
    });
    return { record: (value: number, attributes?: Attributes) => metric.observe(labelsOf(attributes), value) };
  }

  createCounter(name: string, options: InstrumentOptions = {}) {
    const metric = this.metric(prometheusName(name, options.unit, true), Counter, (metricName) => {
      const help = options.description ?? name;
      return new Counter({ name: metricName, help, labelNames: labelNamesOf(name), registers: [this.registry] });
    });
    return { add: (value: number, attributes?: Attributes) => metric.inc(labelsOf(attributes), value) };
  }

  createObservableGauge(name: string, options: InstrumentOptions = {}) {
    const metricName = prometheusName(name, options.unit, false);
    let byMetric = callbacksByRegistry.get(this.registry);
    if (!byMetric) callbacksByRegistry.set(this.registry, (byMetric = new Map()));
    let callbacks = byMetric.get(metricName);
    if (!callbacks) byMetric.set(metricName, (callbacks = new Set()));
    const observers = callbacks;
    this.metric(metricName, Gauge, () => {
      const registry = this.registry;
      return new Gauge({
        name: metricName,
        help: options.description ?? name,
        labelNames: labelNamesOf(name),
        registers: [registry],
        // Observed at scrape time, from every module that registered a callback on this registry. Two modules
        // of one process on one namespace give the same labels: the series keeps the larger value (leads at
        // all; the oldest replica), which is what an alert on either wants.
        collect(this: Gauge) {
          const values = new Map<string, { labels: Record<string, string | number>; value: number }>();
          const result = {
            observe: (value: number, attributes?: Attributes) => {
              const labels = labelsOf(attributes);
              const key = JSON.stringify(labels);
              const seen = values.get(key);
              if (!seen || value > seen.value) values.set(key, { labels, value });
            },
          };
          for (const callback of observers) callback(result);
          this.reset();
          for (const { labels, value } of values.values()) this.set(labels, value);
        },
      });
    });
    return {
      addCallback: (callback: GaugeCallback) => void observers.add(callback),
      removeCallback: (callback: GaugeCallback) => void observers.delete(callback),
    };
  }

  private metric<M extends Counter | Gauge | Histogram>(
    name: string,
    type: abstract new (...args: never[]) => M,
    make: (name: string) => M,
  ): M {
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) return make(name);
    if (existing instanceof type) return existing;
    throw new TypeError(
      `The prom-client registry already holds a metric "${name}" of another type (${existing.constructor.name}). ` +
        'Remove it, or pass nestjs-version-sync a registry of its own and merge registries with Registry.merge().',
    );
  }
}

/**
 * A meter provider for `SyncModule.forRoot({ telemetry: { meterProvider } })` that records the
 * module's metrics in a prom-client `Registry` (default: prom-client's global `register`), under
 * Prometheus names (`sync_check_duration_seconds`, `sync_changes_total`…). Safe to call more than
 * once with one registry (several modules, hot reload): metrics are reused, never registered twice.
 *
 * @example
 * import { register } from 'prom-client';
 * import { prometheusMeterProvider } from 'nestjs-version-sync/prometheus';
 * SyncModule.forRoot({ interval: 5_000, telemetry: { meterProvider: prometheusMeterProvider(register) } });
 */
export function prometheusMeterProvider(registry: Registry = register): {
  getMeter(name: string, version?: string): object;
} {
  const meter = new PrometheusMeter(registry);
  return { getMeter: () => meter };
}
