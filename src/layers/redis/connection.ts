/**
 * Connections to one Redis shard: a command connection shared by every
 * call, blocking connections for the queue readers, and a subscriber
 * connection for pub/sub; plus the outage bookkeeping the layers rely on.
 *
 * ioredis reconnects on its own; this module decides how often (exponential
 * backoff with jitter, capped at two seconds), when a shard counts as down
 * or up again, and reports each change once, so an outage produces one
 * warning rather than one per message.
 *
 * @module
 * @internal
 */

import { Redis, type RedisOptions } from 'ioredis'

import { LayerUnavailable } from '../../errors.js'
import { settledWithin } from '../../util/settled-within.js'
import { FastPublisher } from './fast-publisher.js'
import type { ResolvedHost } from './options.js'
import { publisherTarget } from './publisher-target.js'
import { scriptCallsSettled } from './scripts.js'

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
  readonly commands: Redis
  readonly #host: ResolvedHost
  readonly #connectTimeoutMs: number
  readonly #listener: ShardListener
  readonly #idleBlocking: Redis[] = []
  readonly #clients = new Set<Redis>()
  #subscriber: Redis | undefined
  #connecting: Promise<void> | undefined
  /** The command socket while it is corked for this tick (see `batch()`). */
  #corked: Redis['stream'] | undefined
  /** Bound once: `batch()` schedules it at most once per tick. */
  readonly #uncork = (): void => {
    const stream = this.#corked
    this.#corked = undefined
    stream?.uncork()
  }
  #everReady = false
  #downSince: number | undefined
  #closed = false
  /** The publish-only connection (see `publisher()`), while one is open or opening. */
  #publisher: FastPublisher | undefined
  /** Publishers lost in a row, for the backoff before the next; and when that may open. */
  #publisherFailures = 0
  #publisherRetryAt = 0

  constructor(host: ResolvedHost, index: number, connectTimeoutMs: number, listener: ShardListener) {
    this.index = index
    this.label = host.label
    this.#host = host
    this.#connectTimeoutMs = connectTimeoutMs
    this.#listener = listener
    // No offline queue: during an outage a call must fail at once, not pile up until Redis returns.
    // No auto-pipelining either: `batch()` gathers a tick's commands into one socket write for less
    // (ioredis's auto-pipelining builds a Pipeline per tick and waits for setImmediate to send it).
    this.commands = this.#connect('commands', {
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
    })
    this.commands.on('ready', () => this.#ready())
    this.commands.on('close', () => this.#lost('the connection closed'))
    this.commands.on('error', (error: Error) => this.#lost(error.message))
  }

  /** Whether the command connection is usable right now. */
  get isUp(): boolean {
    return this.commands.status === 'ready'
  }

  /**
   * The command connection, once it is ready. Before the first connection it
   * waits up to `connectTimeout`; during an outage it fails at once.
   *
   * @throws LayerUnavailable when Redis cannot be reached.
   */
  async ready(): Promise<Redis> {
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
   * The command connection for a call made now, or `undefined` while it is
   * not up (then `ready()` says why). Calls made in the same tick go out in
   * one socket write: the first corks the socket and a `nextTick` uncorks it,
   * which runs once the promise continuations of this tick have run too. With
   * many consumers sending at once, a write per command would cost more CPU
   * than everything else a send does.
   */
  batch(): Redis | undefined {
    if (this.commands.status !== 'ready') return undefined
    if (this.#corked === undefined) {
      this.#corked = this.commands.stream
      this.#corked.cork()
      process.nextTick(this.#uncork)
    }
    return this.commands
  }

  /**
   * The publish-only connection when it is ready, else `undefined` (use the
   * command connection). While the command connection is up and none is
   * open, this opens one in the background; a lost one is replaced after a
   * backoff, and a shard that is not plain TCP without Sentinel, or whose
   * Redis refused the handshake, never gets one.
   */
  publisher(): FastPublisher | undefined {
    const current = this.#publisher
    if (current !== undefined) return current.ready ? current : undefined
    if (this.#closed || this.commands.status !== 'ready' || performance.now() < this.#publisherRetryAt)
      return undefined
    const target = publisherTarget(this.commands)
    if (target === undefined) {
      this.#publisherRetryAt = Infinity
      return undefined
    }
    const opened: FastPublisher = new FastPublisher(target, {
      ready: () => {
        this.#publisherFailures = 0
      },
      closed: (_reason, refused) => {
        if (this.#publisher === opened) this.#publisher = undefined
        const wait = refused ? Infinity : backoff(++this.#publisherFailures)
        this.#publisherRetryAt = performance.now() + wait
      },
    })
    this.#publisher = opened
    return undefined
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
    const publisher = this.#publisher
    const publisherEnded =
      publisher && settledWithin(publisher.end(), this.#connectTimeoutMs).then(() => publisher.close())
    const clients = [...this.#clients]
    this.#clients.clear()
    this.#idleBlocking.length = 0
    await Promise.all([
      publisherEnded,
      ...clients.map(async (client) => {
        // QUIT lets replies already on their way arrive; a connection that is not up has nothing to wait for.
        if (client.status === 'ready' && client === this.commands) {
          await settledWithin(scriptCallsSettled(client), this.#connectTimeoutMs)
          await settledWithin(client.quit(), this.#connectTimeoutMs)
        }
        client.disconnect()
      }),
    ])
  }

  #connect(role: string, overrides: RedisOptions): Redis {
    const options: RedisOptions = {
      ...this.#host.options,
      connectionName: `tschannels-${role}`,
      maxRetriesPerRequest: null,
      retryStrategy: backoff,
      ...overrides,
    }
    const client = this.#host.url === undefined ? new Redis(options) : new Redis(this.#host.url, options)
    // Without a listener ioredis prints every connection error; the shard reports outages itself, once.
    if (role !== 'commands') client.on('error', () => undefined)
    this.#clients.add(client)
    return client
  }

  #ready(): void {
    this.#everReady = true
    if (this.#downSince === undefined || this.#closed) return
    const downtime = performance.now() - this.#downSince
    this.#downSince = undefined
    this.#listener.up(this, downtime)
  }

  #lost(reason: string): void {
    // Redis went away or failed over: the next publisher connects to where ioredis reconnects.
    this.#publisher?.close()
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
