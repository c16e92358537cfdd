/**
 * `tschannels/metrics`: Prometheus metrics of the server and its channel
 * layers (`ServerMetrics`, given to `serve()` as `metrics`), a metrics port
 * with the live status page (`serveMetrics()`), and their aggregation across
 * `--workers` processes. Importing it loads `prom-client`, an optional peer:
 * `npm install prom-client`. See docs/operations.md.
 *
 * @example
 * ```ts
 * import { ServerMetrics, serveMetrics } from 'tschannels/metrics'
 * import { serve } from 'tschannels/server'
 *
 * const metrics = new ServerMetrics()
 * await serve(application, { port: 8000, metrics, healthPath: '/healthz' })
 * await serveMetrics(metrics, { port: 9100 })
 * ```
 *
 * @module
 */

export { ServerMetrics } from './metrics/server-metrics.js'
export type { ServerMetricsOptions } from './metrics/server-metrics.js'
export { serveMetrics } from './metrics/metrics-server.js'
export type { MetricsServerHandle, MetricsServerOptions, MetricsSource } from './metrics/metrics-server.js'
export { clusterMetricsSource, reportToPrimary } from './metrics/cluster-metrics.js'
export type { GroupStatus, LayerStatus, StatusSnapshot } from './metrics/status-snapshot.js'
