/**
 * prom-client, by its files. Its index also loads the default process
 * metrics (which bring @opentelemetry/api, ~50 modules), Summary (tdigest)
 * and Pushgateway: ~105 ms of CPU at every process start, against ~7 ms for
 * the registry and the three metric types every server makes at import.
 * The rest loads when a process first serves `/metrics` (process metrics,
 * the cluster aggregator). Same files as `import 'prom-client'`, so one
 * module cache: `Registry.globalRegistry` is prom-client's `register`.
 */
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const require = createRequire(import.meta.url);

type RegistryClass = typeof Prom.Registry & { globalRegistry: Prom.Registry };

export const Registry = require('prom-client/lib/registry.js') as RegistryClass;
export const Counter = require('prom-client/lib/counter.js') as typeof Prom.Counter;
export const Gauge = require('prom-client/lib/gauge.js') as typeof Prom.Gauge;
export const Histogram = require('prom-client/lib/histogram.js') as typeof Prom.Histogram;

/** prom-client's `collectDefaultMetrics`, loaded on first call. */
export function collectDefaultMetrics(config: Prom.DefaultMetricsCollectorConfiguration<Prom.RegistryContentType>): void {
  (require('prom-client/lib/defaultMetrics.js') as typeof Prom.collectDefaultMetrics)(config);
}

/** prom-client's `AggregatorRegistry` (node:cluster sums), loaded on first call. */
export function aggregatorRegistry(): typeof Prom.AggregatorRegistry {
  return require('prom-client/lib/cluster.js') as typeof Prom.AggregatorRegistry;
}
