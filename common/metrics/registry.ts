/**
 * The process's Prometheus registry (prom-client's global one: its cluster
 * aggregation reads that registry in each worker) and get-or-create helpers,
 * since one process may run several servers (tests, `swiftly daemons`) that
 * each ask for the same metric.
 */
import type * as Prom from 'prom-client';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from './prom.js';

export const metricsRegistry = Registry.globalRegistry;

let processMetrics = false;

/** Node's process metrics (CPU, memory, event-loop lag, GC, handles), once per process. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
  // Gauges named like counters (promtool's lint refuses them); the same
  // numbers stay as nodejs_active_{handles,requests,resources}{type}.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    metricsRegistry.removeSingleMetric(name);
  }
}

type Aggregator = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';

/** A counter, made once per process. */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Prom.Counter<L> {
  const found = metricsRegistry.getSingleMetric(name);
  if (found) return found as Prom.Counter<L>;
  return new Counter({ name, help, labelNames, registers: [metricsRegistry] });
}

/**
 * A gauge, made once per process. `aggregator` says how workers' values
 * combine into the server's (prom-client's AggregatorRegistry; sum by
 * default); `collect` refreshes it when scraped.
 */
export function gauge<L extends string>(
  name: string, help: string, labelNames: readonly L[],
  options: { aggregator?: Aggregator; collect?: (this: Prom.Gauge<L>) => void | Promise<void> } = {},
): Prom.Gauge<L> {
  const found = metricsRegistry.getSingleMetric(name);
  if (found) return found as Prom.Gauge<L>;
  return new Gauge({ name, help, labelNames, aggregator: options.aggregator ?? 'sum', collect: options.collect, registers: [metricsRegistry] });
}

/** A histogram, made once per process. */
export function histogram<L extends string>(
  name: string, help: string, labelNames: readonly L[], buckets: number[],
): Prom.Histogram<L> {
  const found = metricsRegistry.getSingleMetric(name);
  if (found) return found as Prom.Histogram<L>;
  return new Histogram({ name, help, labelNames, buckets, registers: [metricsRegistry] });
}

/** Latency buckets (seconds) shared by request and pass histograms. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
