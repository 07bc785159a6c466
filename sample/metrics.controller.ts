import { Controller, Get, Header } from '@nestjs/common';
import { Registry } from 'prom-client';
import { prometheusMeterProvider } from '../lib/prometheus/index.js';

/**
 * The sample's own prom-client registry. An app already on prom-client passes its registry (often the
 * default `register`, e.g. the one `@willsoto/nestjs-prometheus` serves) instead.
 */
export const metricsRegistry = new Registry();

/** What `SyncModule`'s `telemetry.meterProvider` takes: the module's metrics under Prometheus names. */
export const syncMeterProvider = prometheusMeterProvider(metricsRegistry);

/**
 * GET /metrics: the Prometheus text exposition of `metricsRegistry`. Under node:cluster each worker has
 * its own registry and a scrape reaches one of them (see the README on aggregating).
 */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
