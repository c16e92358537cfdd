/**
 * Connections to one Redis shard: one command connection for every call
 * and every publish (ioredis pipelines what is written while replies are
 * on their way), blocking connections for the queue readers, and a
 * subscriber connection for pub/sub; plus the outage bookkeeping the layers
 * rely on.
 *
 * ioredis reconnects on its own; this module decides how often (exponential
 * backoff with jitter, capped at two seconds), when a shard counts as down
 * or up again, and reports each change once, so an outage produces one
 * warning rather than one per message.
 *
 * @module
 * @internal
 */

import type * as Ioredis from 'ioredis'
import type { Redis, RedisOptions } from 'ioredis'

import { LayerUnavailable } from '../../errors.js'
import { requirePeer } from '../../util/optional-peer.js'
import { settledWithin } from '../../util/settled-within.js'
import { consistentHash } from './consistent-hash.js'
import type { ResolvedHost } from './options.js'
import { defineScripts, packPublishes, type ScriptedRedis } from './scripts.js'

const ioredis = requirePeer<typeof Ioredis>('ioredis', 'The Redis channel layers (tschannels/layers/redis)')

const BACKOFF_FIRST_MS = 50
const BACKOFF_MAX_MS = 2_000
/** Idle blocking connections kept for the next reader; more are closed. */
const MAX_IDLE_BLOCKING = 4

/** What a shard tells its layer. @internal */
export interface ShardListener {
  /** The shard became unreachable (once per outage). */
  down(shard: RedisShard, reason: string): void
  /** The shard's command connection is ready again after an outage of `downtimeMs`. */
  up(shard: RedisShard, downtimeMs: number): void
}

/**
 * The connections to one Redis host.
 *
 * @internal
 */
export class RedisShard {
  readonly index: number
  readonly label: string
  /** Every call but the blocking reads and subscriptions goes through this connection, pipelined by ioredis. */
  readonly commands: ScriptedRedis
  readonly #host: ResolvedHost
  readonly #connectTimeoutMs: number
  readonly #listener: ShardListener
  readonly #idleBlocking: Redis[] = []
  readonly #clients = new Set<Redis>()
  #subscriber: Redis | undefined
  #connecting: Promise<void> | undefined
  /** Calls made through `track()` and not answered yet, and who waits for none to be left. */
  #inFlight = 0
  #idleWaiters: Array<() => void> = []
  readonly #settled = (): void => {
    if (--this.#inFlight === 0 && this.#idleWaiters.length > 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake()
    }
  }
  /** The PUBLISHes of this tick, channel and payload alternating, and who waits for each. */
  #publishArgs: Array<string | Buffer> = []
  #publishWaiters: Array<(error?: Error, reply?: unknown) => void> = []
  /** Where in `#publishArgs` each of this tick's appended publishes starts, if any: see `publishAppended`. */
  #appendedAt: number[] = []
  /** Bound once: scheduled at most once per tick. */
  readonly #sendPublishes = (): void => this.#flushPublishes()
  #everReady = false
  #downSince: number | undefined
  #closed = false

  constructor(host: ResolvedHost, index: number, connectTimeoutMs: number, listener: ShardListener) {
    this.index = index
    this.label = host.label
    this.#host = host
    this.#connectTimeoutMs = connectTimeoutMs
    this.#listener = listener
    // No offline queue: during an outage a call must fail at once, not pile up until Redis returns.
    this.commands = defineScripts(
      this.#connect('commands', { enableOfflineQueue: false, autoResendUnfulfilledCommands: false }),
    )
    this.commands.on('ready', () => this.#ready())
    this.commands.on('close', () => this.#lost('the connection closed'))
    this.commands.on('error', (error: Error) => this.#lost(error.message))
  }

  /** Whether the command connection is usable right now. */
  get isUp(): boolean {
    return this.commands.status === 'ready'
  }

  /**
   * Whether the shard can both send and receive: its command connection,
   * and its subscriber connection once one is opened (a Redis that drops
   * only the subscriber, over its output-buffer limit, stops every group
   * message while commands still work).
   */
  get isReachable(): boolean {
    return this.isUp && (this.#subscriber === undefined || this.#subscriber.status === 'ready')
  }

  /**
   * The command connection, once it is ready. Before the first connection it
   * waits up to `connectTimeout`; during an outage it fails at once.
   *
   * @throws LayerUnavailable when Redis cannot be reached.
   */
  async ready(): Promise<ScriptedRedis> {
    if (this.commands.status === 'ready') return this.commands
    if (this.#closed) throw new LayerUnavailable(`The connection to Redis at ${this.label} is closed.`)
    if (this.#everReady) throw this.unavailable()
    // Calls made while the first connection is under way share one wait (and one 'ready' listener).
    this.#connecting ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.commands.off('ready', onReady)
        reject(this.unavailable())
      }, this.#connectTimeoutMs)
      const onReady = (): void => {
        clearTimeout(timer)
        resolve()
      }
      this.commands.once('ready', onReady)
    }).finally(() => {
      this.#connecting = undefined
    })
    await this.#connecting
    return this.commands
  }

  /**
   * Publishes `payload` to `channel` on the command connection; resolves
   * once Redis has. The publishes of one tick go out as one call (one
   * script running them in order), because what ioredis spends per command
   * is most of what a publish costs this process. Before the first
   * connection it waits for it, as `ready()` does.
   *
   * @throws whatever the connection fails with (the layer maps it to `LayerUnavailable`).
   */
  publish(channel: string, payload: Buffer): Promise<void> {
    if (this.commands.status !== 'ready') return this.ready().then(() => this.publish(channel, payload))
    if (this.#publishWaiters.length === 0) process.nextTick(this.#sendPublishes)
    this.#publishArgs.push(channel, payload)
    return new Promise<void>((resolve, reject) => {
      this.#publishWaiters.push((error) => (error === undefined ? resolve() : reject(error)))
    })
  }

  /**
   * Appends `payload` to a group's history and publishes it, in the same
   * batch as this tick's other publishes and in order with them. `payload`
   * ends with the placeholder position the history script fills in (see
   * `HISTORY_PUBLISH`); `history` is meta key, stream key, new epoch, time
   * to live in ms, size.
   *
   * @returns the epoch and the offset the message got.
   */
  publishAppended(
    channel: string,
    payload: Buffer,
    history: readonly [string, string, string, number, number],
  ): Promise<[string, number]> {
    if (this.commands.status !== 'ready')
      return this.ready().then(() => this.publishAppended(channel, payload, history))
    if (this.#publishWaiters.length === 0) process.nextTick(this.#sendPublishes)
    this.#appendedAt.push(this.#publishArgs.length)
    this.#publishArgs.push(channel, payload, ...history.map(String))
    return new Promise<[string, number]>((resolve, reject) => {
      this.#publishWaiters.push((error, reply) =>
        error === undefined ? resolve(reply as [string, number]) : reject(error),
      )
    })
  }

  /**
   * `call` (a script call on the command connection), counted until it is
   * answered. A script call answered NOSCRIPT sends its source as a second
   * command, so `close()` waits for these before it sends QUIT, which would
   * cut that command off.
   */
  track<T>(call: Promise<T>): Promise<T> {
    this.#inFlight++
    call.then(this.#settled, this.#settled)
    return call
  }

  /** Deletes every key matching `pattern` (SCAN, then UNLINK), as `flush()` does. */
  async unlinkMatching(pattern: string): Promise<void> {
    const client = await this.ready()
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await client.unlink(...keys)
    } while (cursor !== '0')
  }

  /** Resolves once the command connection is ready, or after `timeoutMs` in any case. */
  whenUp(timeoutMs: number): Promise<void> {
    if (this.commands.status === 'ready' || this.#closed) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.commands.off('ready', done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      this.commands.once('ready', done)
    })
  }

  /** The error for a call that needs Redis while it is unreachable. */
  unavailable(): LayerUnavailable {
    return new LayerUnavailable(
      `Redis at ${this.label} is unreachable; the layer keeps retrying in the background. ` +
        'Messages to channels of this process still flow; retry this call later.',
    )
  }

  /**
   * A connection for blocking reads (BZMPOP), with an offline queue so that a
   * read issued during an outage simply waits for Redis to come back.
   */
  acquireBlocking(): Redis {
    return this.#idleBlocking.pop() ?? this.#connect('reader', { enableOfflineQueue: true })
  }

  /** Hands a blocking connection back for reuse (or closes it when enough are idle). */
  releaseBlocking(client: Redis): void {
    if (this.#closed || this.#idleBlocking.length >= MAX_IDLE_BLOCKING || client.status === 'end') {
      this.#clients.delete(client)
      client.disconnect()
    } else this.#idleBlocking.push(client)
  }

  /** The shard's subscriber connection (pub/sub layer); ioredis resubscribes it after a reconnect. */
  subscriber(): Redis {
    this.#subscriber ??= this.#connect('subscriber', { enableOfflineQueue: true, autoResubscribe: true })
    return this.#subscriber
  }

  /** Closes every connection; pending calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    // Publishes made in the same tick as close() go out before QUIT.
    this.#flushPublishes()
    const clients = [...this.#clients]
    this.#clients.clear()
    this.#idleBlocking.length = 0
    await Promise.all(
      clients.map(async (client) => {
        // QUIT lets replies already on their way arrive; a connection that is not up has nothing to wait for.
        if (client.status === 'ready' && client === this.commands) {
          await settledWithin(this.#idle(), this.#connectTimeoutMs)
          await settledWithin(client.quit(), this.#connectTimeoutMs)
        }
        client.disconnect()
      }),
    )
  }

  #connect(role: string, overrides: RedisOptions): Redis {
    const options: RedisOptions = {
      ...this.#host.options,
      connectionName: `tschannels-${role}`,
      maxRetriesPerRequest: null,
      retryStrategy: backoff,
      ...overrides,
    }
    const client =
      this.#host.url === undefined ? new ioredis.Redis(options) : new ioredis.Redis(this.#host.url, options)
    // Without a listener ioredis prints every connection error; the shard reports outages itself, once.
    if (role !== 'commands') client.on('error', () => undefined)
    this.#clients.add(client)
    return client
  }

  #flushPublishes(): void {
    let args = this.#publishArgs
    const waiters = this.#publishWaiters
    const appended = this.#appendedAt
    if (waiters.length === 0) return
    this.#publishArgs = []
    this.#publishWaiters = []
    this.#appendedAt = []
    let sent: Promise<unknown>
    if (appended.length > 0) {
      // Mixed batch: each publish is marked 'p' (channel, payload) or 'h' (the same and its history).
      const marked: Array<string | Buffer> = []
      for (let at = 0, next = 0; at < args.length;) {
        const history = appended[next] === at
        if (history) next++
        const width = history ? 7 : 2
        marked.push(history ? 'h' : 'p', ...args.slice(at, at + width))
        at += width
      }
      args = marked
      sent = this.track(this.commands.tschannelsHistoryPublish(...args))
    } else {
      // One message costs less as a plain PUBLISH than as a script call.
      sent =
        waiters.length === 1
          ? this.commands.publish(args[0]!, args[1] as Buffer)
          : this.track(this.commands.tschannelsPublish(packPublishes(args)))
    }
    sent.then(
      (replies) => {
        const each = Array.isArray(replies) && appended.length > 0 ? (replies as unknown[]) : []
        waiters.forEach((settle, index) => settle(undefined, each[index]))
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(`PUBLISH failed: ${String(error)}`)
        for (const settle of waiters) settle(failure)
      },
    )
  }

  /** Resolves once every call passed to `track()` so far has been answered. */
  #idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve))
  }

  #ready(): void {
    this.#everReady = true
    if (this.#downSince === undefined || this.#closed) return
    const downtime = performance.now() - this.#downSince
    this.#downSince = undefined
    this.#listener.up(this, downtime)
  }

  #lost(reason: string): void {
    if (this.#closed || this.#downSince !== undefined) return
    // A close that follows an error of the same outage is not news.
    this.#downSince = performance.now()
    this.#listener.down(this, reason)
  }
}

/** ioredis's retry delay: doubling from 50 ms to a 2 s cap, with jitter so processes do not reconnect in step. */
function backoff(attempt: number): number {
  const base = Math.min(BACKOFF_FIRST_MS * 2 ** Math.min(attempt - 1, 16), BACKOFF_MAX_MS)
  return Math.round(base / 2 + Math.random() * (base / 2))
}

/**
 * The one of `shards` that holds `name`, as `channels_redis` picks it (with
 * a single shard there is nothing to hash).
 *
 * @internal
 */
export function shardFor(shards: readonly RedisShard[], name: string): RedisShard {
  return shards.length === 1 ? shards[0]! : shards[consistentHash(name, shards.length)]!
}
