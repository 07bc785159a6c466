/**
 * Prometheus for apps on prom-client (subpath `nestjs-version-sync/prometheus`): the module's
 * metrics in a prom-client `Registry`, under Prometheus names. Needs the optional peer
 * dependency `prom-client` (15.x); an app that does not import this subpath does not need it.
 */
export { prometheusMeterProvider } from './prometheus.meter.js';
export { prometheusLabel, prometheusName } from './prometheus.names.js';
