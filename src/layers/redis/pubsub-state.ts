/**
 * What a `RedisPubSubChannelLayer` holds: shards, codec, the channels of
 * this process, their group memberships, and the subscriptions that bring
 * messages in: one pattern per shard for all the channels this process
 * created, one subscription per group with a local member, and one per named
 * channel received on here.
 *
 * @module
 * @internal
 */

import { capacityFor } from '../capacity.js'
import type { LayerMessage } from '../../types.js'
import { RedisShard, type ShardListener } from './connection.js'
import { consistentHash } from './consistent-hash.js'
import { EchoFilter } from './echo-filter.js'
import { LayerWarnings } from './layer-warnings.js'
import { LocalChannels } from './local-channels.js'
import { LocalMembership } from './local-membership.js'
import type { ResolvedRedisOptions } from './options.js'
import { PublishBatch } from './publish-batch.js'
import { WireFormat } from './wire-format.js'

/**
 * The state of one pub/sub layer.
 *
 * @internal
 */
export class PubSubState implements ShardListener {
  readonly shards: readonly RedisShard[]
  readonly wire: WireFormat
  readonly local: LocalChannels
  readonly membership = new LocalMembership()
  readonly warnings = new LayerWarnings('RedisPubSubChannelLayer')
  readonly #options: ResolvedRedisOptions
  readonly #batches: readonly PublishBatch[]
  readonly #pattern: string
  #patternSubscribed: Promise<void> | undefined
  /** Whether the pattern subscription has been confirmed (then own channels need no await). */
  #patternReady = false
  /** The start of every group's pub/sub channel name. */
  readonly #groupPrefix: string
  /** Named channels this process subscribed to because something receives on them here. */
  readonly #channels = new Set<string>()
  /** Per shard: when its subscriber connection was lost (undefined: up, or never connected). */
  readonly #lostAt = new Map<RedisShard, number>()
  readonly #everReady = new Set<RedisShard>()
  readonly #wired = new Set<RedisShard>()
  /** Group channels whose SUBSCRIBE Redis has confirmed. */
  readonly #confirmed = new Set<string>()
  /** The group messages this process published, delivered locally already, and will see again. */
  readonly #echoes = new EchoFilter()
  #closed = false

  constructor(options: ResolvedRedisOptions, pattern: string) {
    this.#options = options
    this.#pattern = pattern
    this.#groupPrefix = `${options.prefix}__group__`
    // channels_redis ≥ 4.2 encrypts pub/sub messages without a random prefix and without a time limit.
    this.wire = new WireFormat({
      symmetricEncryptionKeys: options.symmetricEncryptionKeys,
      randomPrefixLength: 0,
    })
    this.local = new LocalChannels(
      (channel) => capacityFor(channel, options.channelCapacity, options.capacity),
      options.expiry * 1000,
    )
    this.shards = options.hosts.map(
      (host, index) => new RedisShard(host, index, options.connectTimeoutMs, this),
    )
    this.#batches = this.shards.map((shard) => new PublishBatch(shard))
    // Subscribing at once means the first receive() or newChannel() rarely waits for a connection.
    void this.ensurePattern().catch(() => undefined)
  }

  shardFor(name: string): RedisShard {
    return this.shards[consistentHash(name, this.shards.length)]!
  }

  /** The pub/sub channel of a group, as channels_redis names it. */
  groupChannel(group: string): string {
    return this.#groupPrefix + group
  }

  /**
   * Whether the messages of an open `channel` already come in, so a receive
   * can go straight to its buffer: through the pattern for this process's
   * channels (`own`), or through its own subscription for a named channel.
   */
  isListening(channel: string, own: boolean): boolean {
    return own ? this.#patternReady : this.#channels.has(channel)
  }

  /** Subscribes (once) to the pattern that covers every channel this layer creates, on every shard. */
  ensurePattern(): Promise<void> {
    this.#patternSubscribed ??= Promise.all(
      // channels_redis publishes to the shard of the full channel name, so the pattern must be on all of them.
      this.shards.map((shard) => this.#settle(shard, this.#subscriber(shard).psubscribe(this.#pattern))),
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

  async subscribeChannel(channel: string): Promise<void> {
    if (this.#channels.has(channel)) return
    this.#channels.add(channel)
    const shard = this.shardFor(channel)
    await this.#settle(shard, this.#subscriber(shard).subscribe(channel))
  }

  async unsubscribeChannel(channel: string): Promise<void> {
    if (!this.#channels.delete(channel)) return
    const shard = this.shardFor(channel)
    await this.#settle(shard, this.#subscriber(shard).unsubscribe(channel))
  }

  async subscribeGroup(group: string): Promise<void> {
    const name = this.groupChannel(group)
    const shard = this.shardFor(name)
    const subscribed = this.#subscriber(shard).subscribe(name)
    void subscribed.then(
      () => this.membership.hasGroup(group) && this.#confirmed.add(name),
      () => undefined,
    )
    await this.#settle(shard, subscribed)
  }

  async unsubscribeGroup(group: string): Promise<void> {
    const name = this.groupChannel(group)
    const shard = this.shardFor(name)
    this.#confirmed.delete(name)
    this.#echoes.delete(name)
    await this.#settle(shard, this.#subscriber(shard).unsubscribe(name))
  }

  /**
   * Publishes a group message. Members in this process get it at once, and
   * the copy Redis sends back to this process is skipped, so a `groupSend`
   * has reached the local members when it returns, in order with direct sends.
   */
  async publishGroup(group: string, message: LayerMessage): Promise<void> {
    const name = this.groupChannel(group)
    const payload = this.wire.encode(message)
    // Only a confirmed subscription guarantees the echo comes back to be skipped.
    const echo = this.#confirmed.has(name) ? this.#echoes.expect(name, payload) : undefined
    if (echo !== undefined) this.deliverToGroup(group, this.wire.decode(payload)!.message)
    try {
      await this.publish(this.shardFor(name), name, payload)
    } catch (error) {
      if (echo !== undefined) this.#echoes.forget(name, echo)
      throw error
    }
  }

  /** Publishes `payload` to `channel` on `shard`, in one call with the other publishes of this tick. */
  publish(shard: RedisShard, channel: string, payload: Buffer): Promise<void> {
    return this.#batches[shard.index]!.publish(channel, payload)
  }

  /** Hands a group message to the local members of `group`. */
  deliverToGroup(group: string, message: LayerMessage): void {
    let full = 0
    for (const channel of this.membership.members(group, Date.now() - this.#options.groupExpiry * 1000)) {
      if (this.local.deliver(channel, message) === 'full') full++
    }
    if (full > 0) this.warnings.dropped(full, `group '${group}'`)
  }

  /** Waits until the messages already published to this process have been handed out. */
  async drain(): Promise<void> {
    // A PING on each subscriber comes back after every message Redis pushed to it before.
    await Promise.all(this.shards.map((shard) => this.#settle(shard, this.#subscriber(shard).ping())))
  }

  async flush(): Promise<void> {
    await this.drain()
    const groups = [...this.membership.groups()]
    this.membership.clear()
    const channels = [...this.#channels]
    try {
      await Promise.all([
        ...groups.map((group) => this.unsubscribeGroup(group)),
        ...channels.map((channel) => this.unsubscribeChannel(channel)),
      ])
    } finally {
      // Last, so that callers awaiting flush() see their receives cancelled as it returns.
      this.local.clear('the layer was flushed')
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    // Sends made in the same tick as close() go out before the connections end.
    for (const batch of this.#batches) batch.flushNow()
    this.membership.clear()
    this.#channels.clear()
    await Promise.all(this.shards.map((shard) => shard.close()))
    this.local.closeAll('the layer was closed')
  }

  down(shard: RedisShard, reason: string): void {
    this.warnings.outage(shard.label, reason)
  }

  up(): void {
    // The subscriber connection decides when this layer is back: see #subscriber.
  }

  #subscriber(shard: RedisShard): ReturnType<RedisShard['subscriber']> {
    const subscriber = shard.subscriber()
    if (!this.#wired.has(shard)) {
      this.#wired.add(shard)
      subscriber.on('messageBuffer', (name: Buffer, payload: Buffer) =>
        this.#onMessage(name.toString('latin1'), payload),
      )
      subscriber.on('pmessageBuffer', (_pattern: Buffer, name: Buffer, payload: Buffer) => {
        const decoded = this.#decode(payload, name)
        if (decoded === undefined) return
        const channel = name.toString('latin1')
        if (this.local.deliver(channel, decoded) === 'full') this.warnings.dropped(1, channel)
      })
      subscriber.on('close', () => {
        // Resubscribing after a reconnect is ioredis's; until then no echo is certain to come.
        this.#confirmed.clear()
        this.#echoes.clear()
        if (this.#everReady.has(shard) && !this.#lostAt.has(shard)) this.#lostAt.set(shard, performance.now())
      })
      subscriber.on('ready', () => this.#subscriberReady(shard))
    }
    return subscriber
  }

  /** ioredis resubscribes on its own; once that is done, tell the local channels about the gap. */
  #subscriberReady(shard: RedisShard): void {
    this.#everReady.add(shard)
    const lostAt = this.#lostAt.get(shard)
    if (lostAt === undefined || this.#closed) return
    this.#lostAt.delete(shard)
    void Promise.all(
      [...this.membership.groups()].map((group) => this.subscribeGroup(group).catch(() => undefined)),
    )
    // ioredis sends its resubscriptions right after 'ready'; a PING queued behind them answers once
    // they are in force, and the command connection must be back too before "reconnected" is true.
    setImmediate(() => {
      void Promise.all([shard.subscriber().ping(), shard.whenUp(this.#options.connectTimeoutMs)]).then(
        () => this.#notifyReconnected(shard, performance.now() - lostAt),
        () => undefined,
      )
    })
  }

  #notifyReconnected(shard: RedisShard, downtimeMs: number): void {
    if (this.#closed) return
    let notified = 0
    const event = this.#options.reconnectEvent
    if (event !== null) {
      for (const channel of [...this.local.names()])
        if (this.local.deliver(channel, { ...event }) !== 'full') notified++
    }
    this.warnings.restored(shard.label, downtimeMs, this.membership.size, notified)
  }

  #onMessage(name: string, payload: Buffer): void {
    if (name.startsWith(this.#groupPrefix)) {
      const group = name.slice(this.#groupPrefix.length)
      if (this.membership.hasGroup(group)) {
        if (this.#echoes.isEcho(name, payload)) return
        const message = this.#decode(payload, name)
        if (message !== undefined) this.deliverToGroup(group, message)
        return
      }
    }
    if (!this.local.has(name)) return
    const message = this.#decode(payload, name)
    if (message !== undefined && this.local.deliver(name, message) === 'full') this.warnings.dropped(1, name)
  }

  #decode(payload: Buffer, name: Buffer | string): LayerMessage | undefined {
    const decoded = this.wire.decode(payload)
    if (decoded === undefined) this.warnings.undecodable(name.toString())
    return decoded?.message
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
      timer = setTimeout(() => reject(shard.unavailable()), this.#options.connectTimeoutMs)
    })
    try {
      await Promise.race([guarded, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}
