/**
 * Metrics: the process's Prometheus registry and `/metrics` endpoint
 * (prom-client), per-request HTTP metrics for every server, and Swift's
 * statsd client with Swift's option names. Servers hook in with a line or
 * two: `httpMetrics(name).observe(req, res)`, `statsdFromConf(conf, name)`,
 * `startMetricsServer(metricsListen(conf))`.
 */
export { metricsRegistry, collectProcessMetrics, counter, gauge, histogram, LATENCY_BUCKETS } from './registry.js';
export { httpMetrics, HttpMetrics, CLIENT_DISCONNECT } from './http-metrics.js';
export { metricsListen, startMetricsServer, openSharedMetricsServer, serveMetricsToPrimary, type MetricsListen, type MetricsServer } from './metrics-server.js';
export { statsdConf, statsdFromConf, StatsdClient, NO_STATSD, type Statsd, type StatsdConf, type StatsdOptions } from './statsd.js';
