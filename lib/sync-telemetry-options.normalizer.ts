import { InvalidSyncOptionsError } from './sync.errors.js';
import { INVALID_OPTION } from './sync.messages.js';
import type { SyncTelemetryOption, SyncTelemetryOptions } from './interfaces/sync-telemetry-options.interface.js';

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
