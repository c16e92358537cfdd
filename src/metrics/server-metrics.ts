/**
 * `ServerMetrics`: the server's and the channel layers' measurements as
 * Prometheus metrics, on a prom-client registry of their own (or one you
 * give). Per-message events only add to plain numbers, which the registry
 * reads when it is scraped; per-connection events go to labelled counters.
 * Labels are bounded by construction: a route pattern, a status, a close
 * code, a layer alias, a method, never a channel, group or user.
 *
 * @module
 */

import type { ChannelLayer } from '../layers/channel-layer.js'
import type { AuthOutcome, ServedProtocol, ServerObserver, SlowClientReason } from '../server/observer.js'
import { GroupMembers, instrumentLayer } from './layer-instrument.js'
import type { LayerMeasures, TimedMethod } from './layer-instrument.js'
import { prom } from './prom.js'
import { registerRuntimeMetrics } from './runtime-metrics.js'
import type { Counter, Gauge, Histogram, Registry } from './prom.js'
import { largestGroups } from './status-snapshot.js'
import type { LayerStatus, StatusSnapshot } from './status-snapshot.js'

/** Options of `new ServerMetrics()`. */
export interface ServerMetricsOptions {
  /** The registry to put the metrics on. @default a new `Registry` */
  registry?: Registry
  /** Prefix of every metric name. @default 'tschannels_' */
  prefix?: string
  /**
   * Event-loop lag (mean, p50, p99, max), CPU time, resident memory and heap
   * use, under prom-client's names, read only when scraped.
   * @default true with a registry of its own, false with one you give (it may have them already)
   */
  runtimeMetrics?: boolean
  /**
   * prom-client's full default metrics instead (`collectDefaultMetrics()`):
   * more detail, including garbage-collection timings, which cost a busy
   * server measurable CPU (see docs/benchmarks.md).
   * @default false
   */
  defaultMetrics?: boolean
}

/** Layer-call latency buckets, in seconds: Redis round trips are sub-millisecond to tens of ms. */
const LATENCY_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

interface LayerRecord {
  alias: string
  layer: ChannelLayer
  measures: LayerMeasures
  calls: number
  seconds: number
  received: number
  channelFull: number
  reconnects: number
  stopWatching: (() => void) | undefined
}

/** Duck-typed view of the Redis layers' public hooks. */
interface RedisLike {
  readonly isReachable?: boolean
  readonly subscriptionCount?: number
  watchConnections?(listener: (event: { kind: string }) => void): () => void
}

/**
 * Prometheus metrics of a tschannels server. Give it to `serve()` as
 * `metrics` and expose `registry` (or run `serveMetrics()`, which also
 * serves the status page). See docs/operations.md for every metric.
 *
 * @example
 * ```ts
 * import { ServerMetrics } from 'tschannels/metrics'
 * import { serve } from 'tschannels/server'
 *
 * const metrics = new ServerMetrics()
 * await serve(application, { port: 8000, metrics })
 * console.log(await metrics.registry.metrics())
 * ```
 */
export class ServerMetrics implements ServerObserver {
  /** The registry the metrics are on. */
  readonly registry: Registry
  // Per-message counts, read when the registry is scraped.
  #messagesReceived = 0
  #messagesSent = 0
  #bytesReceived = 0
  #bytesSent = 0
  #lastText = ''
  #lastTextBytes = 0
  #backpressure = 0
  #websockets = 0
  #httpInFlight = 0
  #slowCloses = 0
  #applicationErrors = 0
  readonly #layers = new Map<string, LayerRecord>()
  readonly #handshakes: Counter
  readonly #opened: Counter
  readonly #open: Gauge
  readonly #closes: Counter
  readonly #slow: Counter
  readonly #appErrors: Counter
  readonly #http: Counter
  readonly #auth: Counter
  readonly #rateLimited: Counter
  readonly #layerCalls: Counter
  readonly #layerSeconds: Histogram

  constructor(options: ServerMetricsOptions = {}) {
    const ownRegistry = options.registry === undefined
    this.registry = options.registry ?? new prom.Registry()
    const p = options.prefix ?? 'tschannels_'
    const registers = [this.registry]
    const layers = this.#layers
    const total = (name: string, help: string, read: () => number): void => {
      new prom.Counter({
        name: p + name,
        help,
        registers,
        collect() {
          this.reset()
          this.inc(read())
        },
      })
    }
    total(
      'messages_received_total',
      'WebSocket messages received from clients.',
      () => this.#messagesReceived,
    )
    total('messages_sent_total', 'WebSocket messages sent to clients.', () => this.#messagesSent)
    total(
      'received_bytes_total',
      'Bytes of WebSocket messages received from clients.',
      () => this.#bytesReceived,
    )
    total('sent_bytes_total', 'Bytes of WebSocket messages sent to clients.', () => this.#bytesSent)
    total(
      'backpressure_waits_total',
      'send() calls that waited for a client to read (its buffer passed the high-water mark).',
      () => this.#backpressure,
    )
    this.#handshakes = new prom.Counter({
      name: p + 'websocket_handshakes_total',
      help: 'WebSocket handshakes answered, by HTTP status (101: accepted).',
      labelNames: ['status'],
      registers,
    })
    this.#opened = new prom.Counter({
      name: p + 'websocket_connections_total',
      help: 'WebSockets accepted, by route pattern.',
      labelNames: ['route'],
      registers,
    })
    this.#open = new prom.Gauge({
      name: p + 'open_connections',
      help: 'Connections open now: WebSockets by route pattern, HTTP requests in flight.',
      labelNames: ['protocol', 'route'],
      registers,
    })
    this.#closes = new prom.Counter({
      name: p + 'websocket_closes_total',
      help: 'Accepted WebSockets that ended, by close code.',
      labelNames: ['code'],
      registers,
    })
    this.#slow = new prom.Counter({
      name: p + 'slow_client_closes_total',
      help: 'WebSockets closed with 1013 for holding too much or reading nothing, by reason.',
      labelNames: ['reason'],
      registers,
    })
    this.#appErrors = new prom.Counter({
      name: p + 'application_errors_total',
      help: 'Applications (consumer handlers) that failed with an unexpected error, by protocol.',
      labelNames: ['protocol'],
      registers,
    })
    this.#http = new prom.Counter({
      name: p + 'http_responses_total',
      help: 'HTTP requests answered, by route pattern and status (0: the client left first).',
      labelNames: ['route', 'status'],
      registers,
    })
    this.#auth = new prom.Counter({
      name: p + 'auth_total',
      help: 'Authentication outcomes: authenticated, anonymous, refused (401 handshakes and 4401 closes).',
      labelNames: ['outcome'],
      registers,
    })
    this.#rateLimited = new prom.Counter({
      name: p + 'rate_limited_total',
      help: 'Rate-limit refusals: handshakes answered 429, WebSockets closed with 4429.',
      labelNames: ['kind'],
      registers,
    })
    this.#layerCalls = new prom.Counter({
      name: p + 'layer_calls_total',
      help: 'Channel-layer calls, by layer alias, method and outcome (ok, channel_full, unavailable, error).',
      labelNames: ['alias', 'method', 'outcome'],
      registers,
    })
    this.#layerSeconds = new prom.Histogram({
      name: p + 'layer_call_duration_seconds',
      help: 'How long channel-layer calls took, by layer alias and method.',
      labelNames: ['alias', 'method'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    total('layer_messages_received_total', 'Messages channel-layer receive() calls handed out.', () => {
      let sum = 0
      for (const record of layers.values()) sum += record.received
      return sum
    })
    const perLayer = (
      name: string,
      help: string,
      read: (record: LayerRecord) => number | undefined,
      aggregator: 'sum' | 'min' = 'sum',
    ): void => {
      new prom.Gauge({
        name: p + name,
        help,
        labelNames: ['alias'],
        registers,
        aggregator,
        collect() {
          this.reset()
          for (const record of layers.values()) {
            const value = read(record)
            if (value !== undefined) this.set({ alias: record.alias }, value)
          }
        },
      })
    }
    perLayer(
      'layer_groups',
      'Groups with a member in this process (summed over workers: a group counts once per process it has members in).',
      (r) => r.measures.members.groupCount,
    )
    perLayer(
      'layer_group_members',
      'Group memberships of this process’s channels.',
      (r) => r.measures.members.membershipCount,
    )
    perLayer(
      'redis_up',
      '1 while every Redis host of the layer answers, else 0.',
      (r) => {
        const reachable = (r.layer as RedisLike).isReachable
        return reachable === undefined ? undefined : Number(reachable)
      },
      'min',
    )
    perLayer('redis_subscriptions', 'Redis pub/sub subscriptions the layer holds.', (r) =>
      typeof (r.layer as RedisLike).subscriptionCount === 'number'
        ? (r.layer as RedisLike).subscriptionCount
        : undefined,
    )
    new prom.Counter({
      name: p + 'redis_reconnects_total',
      help: 'Times a Redis host of the layer came back after an outage.',
      labelNames: ['alias'],
      registers,
      collect() {
        this.reset()
        for (const record of layers.values()) this.inc({ alias: record.alias }, record.reconnects)
      },
    })
    if (options.defaultMetrics === true) prom.collectDefaultMetrics({ register: this.registry })
    else if (options.runtimeMetrics ?? ownRegistry) registerRuntimeMetrics(this.registry)
  }

  /** Called by the server (`ServerObserver`). */
  handshake(status: number): void {
    this.#handshakes.inc({ status })
    if (status === 429) this.#rateLimited.inc({ kind: 'handshake' })
  }

  /** Called by the server (`ServerObserver`). */
  websocketOpened(route: string): void {
    this.#websockets++
    this.#opened.inc({ route })
    this.#open.inc({ protocol: 'websocket', route })
  }

  /** Called by the server (`ServerObserver`). */
  websocketClosed(route: string, code: number, byServer: boolean): void {
    this.#websockets--
    this.#open.dec({ protocol: 'websocket', route })
    // A client's own code is labelled only when the protocol defines it, so
    // no client can add series; only the server's 4429 is a rate limit.
    this.#closes.inc({ code: byServer || (code >= 1000 && code <= 1015) ? code : 'client_other' })
    if (byServer && code === 4429) this.#rateLimited.inc({ kind: 'message' })
  }

  /** Called by the server (`ServerObserver`). */
  frameReceived(bytes: number): void {
    this.#messagesReceived++
    this.#bytesReceived += bytes
  }

  /** Called by the server (`ServerObserver`). */
  frameSent(data: string | Uint8Array): void {
    this.#messagesSent++
    if (typeof data !== 'string') this.#bytesSent += data.byteLength
    else {
      // A group broadcast sends one string to every member: its UTF-8 length is counted once.
      if (data !== this.#lastText) {
        this.#lastText = data
        this.#lastTextBytes = Buffer.byteLength(data)
      }
      this.#bytesSent += this.#lastTextBytes
    }
  }

  /** Called by the server (`ServerObserver`). */
  backpressure(): void {
    this.#backpressure++
  }

  /** Called by the server (`ServerObserver`). */
  slowClientClosed(reason: SlowClientReason): void {
    this.#slowCloses++
    this.#slow.inc({ reason })
  }

  /** Called by the server (`ServerObserver`). */
  applicationError(protocol: ServedProtocol): void {
    this.#applicationErrors++
    this.#appErrors.inc({ protocol })
  }

  /** Called by the server (`ServerObserver`). */
  httpStarted(): void {
    this.#httpInFlight++
    this.#open.inc({ protocol: 'http', route: '' })
  }

  /** Called by the server (`ServerObserver`). */
  httpFinished(route: string, status: number): void {
    this.#httpInFlight--
    this.#open.dec({ protocol: 'http', route: '' })
    this.#http.inc({ route, status })
  }

  /** Called by the server (`ServerObserver`). */
  auth(outcome: AuthOutcome): void {
    this.#auth.inc({ outcome })
  }

  /** Wraps `layer` so that its calls are measured under `alias`; called by the server (`ServerObserver`). */
  instrumentLayer(layer: ChannelLayer, alias: string): ChannelLayer {
    this.#layers.get(alias)?.stopWatching?.()
    const calls = this.#layerCalls
    const seconds = this.#layerSeconds
    const children = new Map<
      TimedMethod,
      { ok: ReturnType<Counter['labels']>; duration: ReturnType<Histogram['labels']> }
    >()
    const record: LayerRecord = {
      alias,
      layer,
      calls: 0,
      seconds: 0,
      received: 0,
      channelFull: 0,
      reconnects: 0,
      stopWatching: undefined,
      measures: {
        members: new GroupMembers(),
        call(method: TimedMethod, took: number, outcome: string) {
          record.calls++
          record.seconds += took
          if (outcome === 'channel_full') record.channelFull++
          // Children bound to their labels once: prom-client need not hash them on every call.
          let bound = children.get(method)
          if (bound === undefined) {
            bound = { ok: calls.labels(alias, method, 'ok'), duration: seconds.labels(alias, method) }
            children.set(method, bound)
          }
          if (outcome === 'ok') bound.ok.inc()
          else calls.inc({ alias, method, outcome })
          bound.duration.observe(took)
        },
        received() {
          record.received++
        },
      },
    }
    const redis = layer as RedisLike
    if (typeof redis.watchConnections === 'function') {
      record.stopWatching = redis.watchConnections((event) => {
        if (event.kind === 'up') record.reconnects++
      })
    }
    this.#layers.set(alias, record)
    return instrumentLayer(layer, record.measures)
  }

  /** What the status page shows, for this process. */
  snapshot(): StatusSnapshot {
    const groups = new Map<string, number>()
    const layers: LayerStatus[] = []
    for (const record of this.#layers.values()) {
      const redis = record.layer as RedisLike
      layers.push({
        alias: record.alias,
        calls: record.calls,
        seconds: record.seconds,
        received: record.received,
        channelFull: record.channelFull,
        reachable: redis.isReachable ?? true,
        subscriptions: typeof redis.subscriptionCount === 'number' ? redis.subscriptionCount : null,
      })
      for (const [group, members] of record.measures.members.counts()) {
        groups.set(group, (groups.get(group) ?? 0) + members)
      }
    }
    return {
      time: Date.now(),
      processes: 1,
      websockets: this.#websockets,
      httpInFlight: this.#httpInFlight,
      messagesReceived: this.#messagesReceived,
      messagesSent: this.#messagesSent,
      bytesReceived: this.#bytesReceived,
      bytesSent: this.#bytesSent,
      slowClientCloses: this.#slowCloses,
      applicationErrors: this.#applicationErrors,
      layers,
      groups: largestGroups(groups),
      groupCount: groups.size,
    }
  }
}
