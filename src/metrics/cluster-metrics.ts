/**
 * Metrics across `--workers N`: each worker keeps its own `ServerMetrics`
 * and answers the primary over the cluster's IPC channel; the primary
 * serves one endpoint with the sum. The Prometheus side is prom-client's
 * `AggregatorRegistry` (counters and gauges summed, `redis_up` the minimum);
 * the status page's snapshots are merged here, because groups and their
 * member counts are never metric labels.
 *
 * @module
 */

import cluster from 'node:cluster'

import { prom } from './prom.js'
import type { MetricsSource } from './metrics-server.js'
import type { ServerMetrics } from './server-metrics.js'
import { mergeSnapshots } from './status-snapshot.js'
import type { StatusSnapshot } from './status-snapshot.js'

const STATUS_REQUEST = 'tschannels:status-request'
const STATUS_RESPONSE = 'tschannels:status-response'
/** How long the primary waits for the workers' snapshots. */
const ANSWER_MS = 2_000

interface StatusRequest {
  type: typeof STATUS_REQUEST
  id: number
}

interface StatusResponse {
  type: typeof STATUS_RESPONSE
  id: number
  snapshot: StatusSnapshot
}

/**
 * In a cluster worker: makes `metrics` what the primary's aggregate reads,
 * for the Prometheus endpoint and for the status page.
 *
 * @example
 * ```ts
 * import { ServerMetrics, reportToPrimary } from 'tschannels/metrics'
 *
 * const metrics = new ServerMetrics()
 * reportToPrimary(metrics)
 * ```
 */
export function reportToPrimary(metrics: ServerMetrics): void {
  // Constructing one installs prom-client's listener for the primary's requests.
  new prom.AggregatorRegistry()
  prom.AggregatorRegistry.setRegistries([metrics.registry])
  process.on('message', (message: unknown) => {
    if (!isMessage<StatusRequest>(message, STATUS_REQUEST)) return
    const response: StatusResponse = { type: STATUS_RESPONSE, id: message.id, snapshot: metrics.snapshot() }
    process.send?.(response)
  })
}

/**
 * In the cluster primary: the workers' metrics summed, for `serveMetrics()`.
 *
 * @example
 * ```ts
 * import { clusterMetricsSource, serveMetrics } from 'tschannels/metrics'
 *
 * await serveMetrics(clusterMetricsSource(), { port: 9100 })
 * ```
 */
export function clusterMetricsSource(): MetricsSource {
  const aggregator = new prom.AggregatorRegistry()
  const waiting = new Map<number, { parts: StatusSnapshot[]; left: number; done: () => void }>()
  let next = 0
  cluster.on('message', (_worker, message: unknown) => {
    if (!isMessage<StatusResponse>(message, STATUS_RESPONSE)) return
    const request = waiting.get(message.id)
    if (request === undefined) return
    request.parts.push(message.snapshot)
    if (--request.left === 0) request.done()
  })
  return {
    exposition: async () => ({
      contentType: aggregator.contentType,
      body: await aggregator.clusterMetrics(),
    }),
    snapshot: () =>
      new Promise<StatusSnapshot>((resolve) => {
        const id = next++
        const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker?.isConnected())
        const parts: StatusSnapshot[] = []
        const done = (): void => {
          clearTimeout(timer)
          waiting.delete(id)
          resolve(mergeSnapshots(parts))
        }
        // A worker that is restarting does not answer; the page shows the others.
        const timer = setTimeout(done, ANSWER_MS)
        waiting.set(id, { parts, left: workers.length, done })
        if (workers.length === 0) return done()
        const request: StatusRequest = { type: STATUS_REQUEST, id }
        for (const worker of workers) worker!.send(request)
      }),
  }
}

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type
}
