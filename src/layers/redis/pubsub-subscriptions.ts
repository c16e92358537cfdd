/**
 * The receiving side of a pub/sub layer: per shard, one subscriber
 * connection holding one pattern for every channel this process created,
 * one subscription per group with a member here, and one per named channel
 * received on here. Messages Redis pushes go to the layer as they come;
 * ioredis resubscribes after a reconnect, and this module tells the layer
 * once that is done.
 *
 * @module
 * @internal
 */

import { settledWithin } from '../../util/settled-within.js'
import type { RedisShard } from './connection.js'

/** What the subscriptions tell their layer. @internal */
export interface SubscriptionEvents {
  /** A message on a subscribed channel (`pattern`: it came through the pattern of this process's channels). */
  message(name: string, payload: Buffer, pattern: boolean): void
  /** A shard's subscriber is back after an outage of `downtimeMs`, with its subscriptions in force again. */
  reconnected(shard: RedisShard, downtimeMs: number): void
}

/**
 * The subscriptions of one pub/sub layer.
 *
 * @internal
 */
export class Subscriptions {
  readonly #shards: readonly RedisShard[]
  readonly #pattern: string
  readonly #timeoutMs: number
  readonly #events: SubscriptionEvents
  #patternSubscribed: Promise<void> | undefined
  /** Whether the pattern subscription has been confirmed (then own channels need no await). */
  #patternReady = false
  /** Named channels received on here → their SUBSCRIBE while Redis has not confirmed it, else `true`. */
  readonly #channels = new Map<string, Promise<void> | true>()
  /** Per shard: when its subscriber connection was lost (undefined: up, or never connected). */
  readonly #lostAt = new Map<RedisShard, number>()
  readonly #everReady = new Set<RedisShard>()
  readonly #wired = new Set<RedisShard>()
  /** Per shard index: the drain that the next PING will answer, while it is being gathered. */
  readonly #drains: Array<Promise<void> | undefined> = []
  #closed = false

  constructor(shards: readonly RedisShard[], pattern: string, timeoutMs: number, events: SubscriptionEvents) {
    this.#shards = shards
    this.#pattern = pattern
    this.#timeoutMs = timeoutMs
    this.#events = events
  }

  /** Whether messages to this process's own channels come in already. */
  get patternReady(): boolean {
    return this.#patternReady
  }

  /** Whether the named `channel` is subscribed to (or being subscribed to) here. */
  has(channel: string): boolean {
    return this.#channels.has(channel)
  }

  /** The SUBSCRIBE of the named `channel` while Redis has not confirmed it, else `undefined`. */
  pending(channel: string): Promise<void> | undefined {
    const pending = this.#channels.get(channel)
    return pending === true ? undefined : pending
  }

  /** How many channels (groups and named channels) are subscribed to here, the pattern aside. */
  get size(): number {
    return this.#channels.size
  }

  /** Named channels subscribed to here. */
  channels(): IterableIterator<string> {
    return this.#channels.keys()
  }

  /** Subscribes (once) to the pattern that covers every channel this layer creates, on every shard. */
  ensurePattern(): Promise<void> {
    this.#patternSubscribed ??= Promise.all(
      // channels_redis publishes to the shard of the full channel name, so the pattern must be on all of them.
      this.#shards.map((shard) => this.#settle(shard, this.#subscriber(shard).psubscribe(this.#pattern))),
    ).then(
      () => {
        this.#patternReady = this.#patternSubscribed !== undefined
      },
      (error: unknown) => {
        this.#patternSubscribed = undefined
        throw error
      },
    )
    return this.#patternSubscribed
  }

  /** Subscribes to the named `channel` on `shard` (once). */
  subscribeChannel(shard: RedisShard, channel: string): Promise<void> {
    const current = this.#channels.get(channel)
    if (current !== undefined) return current === true ? Promise.resolve() : current
    const subscribed = this.subscribe(shard, channel).finally(() => {
      if (this.#channels.get(channel) === subscribed) this.#channels.set(channel, true)
    })
    this.#channels.set(channel, subscribed)
    return subscribed
  }

  /** Unsubscribes from the named `channel` on `shard`, if it was subscribed to. */
  async unsubscribeChannel(shard: RedisShard, channel: string): Promise<void> {
    if (!this.#channels.delete(channel)) return
    await this.unsubscribe(shard, channel)
  }

  /** Subscribes to the pub/sub channel `name` on `shard`; see `#settle` for how long it waits. */
  subscribe(shard: RedisShard, name: string): Promise<void> {
    return this.#settle(shard, this.#subscriber(shard).subscribe(name))
  }

  unsubscribe(shard: RedisShard, name: string): Promise<void> {
    return this.#settle(shard, this.#subscriber(shard).unsubscribe(name))
  }

  /**
   * Resolves once every message Redis pushed to this process on `shard`
   * before now has been handed to the layer: a PING on the subscriber
   * connection is answered after them. Calls gathered before the PING goes
   * out (the rest of this tick) share it; each had its publish answered
   * before, so Redis has pushed its message before it sees the PING.
   */
  drain(shard: RedisShard): Promise<void> {
    let drained = this.#drains[shard.index]
    if (drained === undefined) {
      drained = new Promise<void>((resolve) => {
        process.nextTick(() => {
          this.#drains[shard.index] = undefined
          const subscriber = this.#subscriber(shard)
          // During an outage there is nothing on its way to wait for.
          if (subscriber.status !== 'ready') return resolve()
          void settledWithin(subscriber.ping(), this.#timeoutMs).then(resolve)
        })
      })
      this.#drains[shard.index] = drained
    }
    return drained
  }

  /** Forgets the named channels (flush and close leave no subscription behind). */
  clearChannels(): string[] {
    const names = [...this.#channels.keys()]
    this.#channels.clear()
    return names
  }

  /** Stops telling the layer about reconnections (the connections close with the shards). */
  close(): void {
    this.#closed = true
    this.#channels.clear()
  }

  #subscriber(shard: RedisShard): ReturnType<RedisShard['subscriber']> {
    const subscriber = shard.subscriber()
    if (!this.#wired.has(shard)) {
      this.#wired.add(shard)
      subscriber.on('messageBuffer', (name: Buffer, payload: Buffer) =>
        this.#events.message(name.toString('latin1'), payload, false),
      )
      subscriber.on('pmessageBuffer', (_pattern: Buffer, name: Buffer, payload: Buffer) =>
        this.#events.message(name.toString('latin1'), payload, true),
      )
      subscriber.on('close', () => {
        if (this.#everReady.has(shard) && !this.#lostAt.has(shard)) this.#lostAt.set(shard, performance.now())
      })
      subscriber.on('ready', () => this.#ready(shard))
    }
    return subscriber
  }

  /** ioredis resubscribes on its own; once that is in force, tell the layer about the gap. */
  #ready(shard: RedisShard): void {
    this.#everReady.add(shard)
    const lostAt = this.#lostAt.get(shard)
    if (lostAt === undefined || this.#closed) return
    this.#lostAt.delete(shard)
    // ioredis sends its resubscriptions right after 'ready'; a PING queued behind them answers once
    // they are in force, and the command connection must be back too before "reconnected" is true.
    setImmediate(() => {
      void Promise.all([shard.subscriber().ping(), shard.whenUp(this.#timeoutMs)]).then(
        () => this.#closed || this.#events.reconnected(shard, performance.now() - lostAt),
        () => undefined,
      )
    })
  }

  /**
   * Waits for a subscription change while the subscriber is up or still
   * connecting for the first time (bounded by `connectTimeout`); during an
   * outage it is left queued, and ioredis applies it on reconnect.
   */
  async #settle(shard: RedisShard, pending: Promise<unknown>): Promise<void> {
    const guarded = pending.then(
      () => undefined,
      () => undefined,
    )
    if (this.#lostAt.has(shard)) return
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(shard.unavailable()), this.#timeoutMs)
    })
    try {
      await Promise.race([guarded, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}
