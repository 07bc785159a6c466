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
