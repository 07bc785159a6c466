import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidSyncOptionsError } from './sync.errors.js';
import { checkTelemetryOption } from './sync-telemetry-options.normalizer.js';

describe('checkTelemetryOption', () => {
  it('accepts nothing, false, and providers with getMeter / getTracer', () => {
    const meterProvider = { getMeter: () => ({}) };
    const tracerProvider = { getTracer: () => ({}) };
    assert.equal(checkTelemetryOption(undefined), undefined);
    assert.equal(checkTelemetryOption(false), false);
    assert.deepEqual(checkTelemetryOption({ meterProvider, tracerProvider }), { meterProvider, tracerProvider });
  });

  it('refuses anything else, naming the option and the fix', () => {
    for (const bad of [true, 'otel', null, { meterProvider: {} }, { tracerProvider: 5 }]) {
      assert.throws(
        () => checkTelemetryOption(bad),
        (error: unknown) =>
          error instanceof InvalidSyncOptionsError && /telemetry/.test(error.message) && /false/.test(error.message),
        String(bad),
      );
    }
  });
});
