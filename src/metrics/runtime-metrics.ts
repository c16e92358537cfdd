/**
 * The few process metrics a realtime server needs, read only when scraped:
 * event-loop lag (from `monitorEventLoopDelay`), CPU time, resident memory
 * and heap use, under prom-client's own names so dashboards built for its
 * default metrics work. prom-client's full default set also watches every
 * garbage collection, which costs a server under fan-out load a measurable
 * share of its CPU; it stays available with `defaultMetrics: true`.
 *
 * @module
 * @internal
 */

import { monitorEventLoopDelay } from 'node:perf_hooks'

import { prom } from './prom.js'
import type { Registry } from './prom.js'

/** Registers the runtime metrics on `registry`. @internal */
export function registerRuntimeMetrics(registry: Registry): void {
  const registers = [registry]
  const delay = monitorEventLoopDelay({ resolution: 20 })
  delay.enable()
  const seconds = (nanoseconds: number): number => (Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0)
  const lag = (name: string, help: string, read: () => number): void => {
    new prom.Gauge({
      name,
      help,
      registers,
      aggregator: 'max',
      collect() {
        this.set(seconds(read()))
      },
    })
  }
  lag('nodejs_eventloop_lag_seconds', 'Mean event-loop lag since the last scrape, in seconds.', () => {
    const mean = delay.mean
    return mean
  })
  lag('nodejs_eventloop_lag_p50_seconds', 'Median event-loop lag since the last scrape.', () =>
    delay.percentile(50),
  )
  lag('nodejs_eventloop_lag_p99_seconds', '99th percentile of event-loop lag since the last scrape.', () =>
    delay.percentile(99),
  )
  new prom.Gauge({
    name: 'nodejs_eventloop_lag_max_seconds',
    help: 'Largest event-loop lag since the last scrape.',
    registers,
    aggregator: 'max',
    collect() {
      this.set(seconds(delay.max))
      // Each scrape reports the interval since the one before.
      delay.reset()
    },
  })
  new prom.Counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds.',
    registers,
    collect() {
      const { user, system } = process.cpuUsage()
      this.reset()
      this.inc((user + system) / 1e6)
    },
  })
  new prom.Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size, in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss())
    },
  })
  new prom.Gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'V8 heap in use, in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed)
    },
  })
}
