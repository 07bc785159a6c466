import { InvalidSyncOptionsError } from '../../sync.errors.js';
import { INVALID_OPTION } from '../../sync.messages.js';

/**
 * Where the module's metrics and spans go. Typed structurally so the module's types do not
 * require `@opentelemetry/api` (an optional peer): an SDK's `MeterProvider` / `TracerProvider`
 * fits, and so does `prometheusMeterProvider(registry)` from `nestjs-version-sync/prometheus`.
 */
export interface SyncTelemetryOptions {
  /** Default: the global one of `@opentelemetry/api` (register the SDK before the app is created). */
  meterProvider?: { getMeter(name: string, version?: string): object };
  /** Default: the global one of `@opentelemetry/api`. */
  tracerProvider?: { getTracer(name: string, version?: string): object };
}

/** The `telemetry` module option: `false` turns instrumentation off entirely (not even the no-op API calls). */
export type SyncTelemetryOption = false | SyncTelemetryOptions | undefined;

/** Checks the `telemetry` module option; returns it, or throws `InvalidSyncOptionsError` naming the fix. */
export function checkTelemetryOption(value: unknown): SyncTelemetryOption {
  if (value === undefined || value === false) return value;
  const fix =
    'Use false to turn metrics and traces off, or { meterProvider?, tracerProvider? } with OpenTelemetry providers, ' +
    'or leave it out to use the global ones of @opentelemetry/api.';
  const fail = () => {
    throw new InvalidSyncOptionsError(INVALID_OPTION('telemetry', value, fix), 'telemetry', value);
  };
  if (typeof value !== 'object' || value === null) fail();
  const { meterProvider, tracerProvider } = value as Record<string, { getMeter?: unknown; getTracer?: unknown }>;
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== 'function') fail();
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') fail();
  return value as SyncTelemetryOptions;
}
