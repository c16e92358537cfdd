/**
 * `RedisPubSubChannelLayer`: the channel layer of `channels_redis.pubsub`,
 * on Redis pub/sub. Nothing is stored: a message reaches the processes
 * subscribed when it is published, which makes it fast and lets a group
 * send cost one PUBLISH however many members the group has.
 *
 * Compatible with Python's layer: a group is the pub/sub channel
 * `<prefix>__group__<group>`, a channel name is its own pub/sub channel,
 * and messages are msgpack maps (Fernet tokens with
 * `symmetricEncryptionKeys`, as channels_redis ≥ 4.2 writes them).
 *
 * @module
 */

import type { LayerMessage } from '../../types.js'
import { randomName } from '../../util/random-pool.js'
import type { ChannelLayer, ReceiveOptions } from '../channel-layer.js'
import { withoutPosition, type GroupAddOptions, type GroupJoin, type HistoryRule } from '../history.js'
import { LISTEN } from '../channel-listener.js'
import type { ChannelListener } from '../channel-listener.js'
import {
  requireMessage,
  requireNotAborted,
  requireValidChannelName,
  requireValidGroupName,
} from '../layer-checks.js'
import type { RedisShard } from './connection.js'
import { LocalMembership } from './local-membership.js'
import type { RedisPubSubChannelLayerOptions } from './options.js'
import { Subscriptions } from './pubsub-subscriptions.js'
import { RedisLayerBase } from './redis-layer-base.js'
import { isConnectionError, rethrow } from './redis-errors.js'

/**
 * A channel layer on Redis pub/sub, compatible with Python's
 * `channels_redis.pubsub.RedisPubSubChannelLayer`.
 *
 * Each process subscribes once for all of its channels (one pattern) and
 * once per group it has members in, then hands messages out locally; a
 * `groupSend` is one PUBLISH, fanned out by Redis to the subscribed
 * processes, not to each member; the members in this process get it from
 * Redis too, like everyone else, and have it when `groupSend()` returns.
 * The price of pub/sub: a message published while nobody is subscribed is gone, so a named channel must already be
 * received on when something is sent to it, and `send()` to another process
 * never throws `ChannelFull` (capacity applies to the local buffers only).
 *
 * @example
 * ```ts
 * import { configureChannelLayers } from 'tschannels'
 * import { RedisPubSubChannelLayer } from 'tschannels/redis'
 *
 * configureChannelLayers({ default: new RedisPubSubChannelLayer({ hosts: [process.env.REDIS_URL!] }) })
 * ```
 */
export class RedisPubSubChannelLayer extends RedisLayerBase implements ChannelLayer {
  /** The groups the local channels are in: Redis keeps no membership for pub/sub. */
  readonly #membership = new LocalMembership()
  /** Groups whose subscription the first member here is still making. */
  readonly #subscribing = new Map<string, Promise<void>>()
  readonly #subscriptions: Subscriptions
  /** What the routing part of this process's channel names ends with (`specific.<client>!`). */
  readonly #ownMark = `.${this.clientId}!`
  /** The start of every group's pub/sub channel name. */
  readonly #groupPrefix: string

  /**
   * @param options - Hosts, prefix, capacity, expiry and encryption; see `RedisPubSubChannelLayerOptions`.
   * @throws ImproperlyConfigured naming the first invalid option.
   */
  constructor(options?: RedisPubSubChannelLayerOptions) {
    // channels_redis ≥ 4.2 encrypts pub/sub messages without a random prefix and without a time limit.
    super('RedisPubSubChannelLayer', options, () => ({ randomPrefixLength: 0 }))
    const resolved = this.options
    this.#groupPrefix = `${resolved.prefix}__group__`
    this.#subscriptions = new Subscriptions(this.shards, `*.${this.clientId}!*`, resolved.connectTimeoutMs, {
      message: (name, payload, pattern) => this.#onMessage(name, payload, pattern),
      reconnected: (shard, downtimeMs) => this.#reconnected(shard, downtimeMs),
    })
    // Subscribing at once means the first receive() or newChannel() rarely waits for a connection.
    void this.#subscriptions.ensurePattern().catch(() => undefined)
  }

  /**
   * Redis pub/sub subscriptions this layer holds: one per group with a
   * member here and per named channel received on here, plus the pattern
   * for this process's channels on each host (metrics report it).
   */
  get subscriptionCount(): number {
    return this.#subscriptions.size + (this.#subscriptions.patternReady ? this.shards.length : 0)
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.assertOpen('send')
    requireValidChannelName(channel)
    requireMessage(message)
    if (this.#isOwn(channel)) {
      // A channel of this process needs no round trip, and keeps working during an outage.
      if (this.local.isFull(channel)) throw this.full(channel)
      this.local.deliver(channel, this.copy(message))
      return
    }
    const payload = this.wire.encode(message)
    // A receive() on this channel here has asked for it: the message must not overtake that.
    const subscribing = this.#subscriptions.pending(channel)
    if (subscribing !== undefined) await subscribing.catch(() => undefined)
    const shard = this.shardFor(channel)
    try {
      await shard.publish(channel, payload)
    } catch (error) {
      rethrow(error, shard)
    }
  }

  receive(channel: string, options?: ReceiveOptions): Promise<LayerMessage> {
    // The hot path, a consumer's loop on its own channel once its subscription is in place: no
    // validation (an open channel was checked when it opened) and no promise but the receive's own.
    const signal = options?.signal
    // `local.has` first: it is false for a name that is not a string, which must reject, not throw.
    if (!this.closed && signal?.aborted !== true && this.local.has(channel) && this.#isListening(channel)) {
      return this.local.receive(channel, signal)
    }
    return this.#receive(channel, signal)
  }

  /** @internal */
  [LISTEN](channel: string, listener: ChannelListener): LayerMessage | undefined {
    if (!this.closed && this.local.has(channel) && this.#isListening(channel)) {
      return this.local.listen(channel, listener)
    }
    this.assertOpen('receive')
    requireValidChannelName(channel)
    // Queue up first, then subscribe, as receive() does; a subscription that cannot be confirmed
    // now is applied by ioredis when Redis returns.
    const message = this.local.listen(channel, listener)
    void this.#subscribeFor(channel).catch(() => undefined)
    return message
  }

  async newChannel(prefix = 'specific'): Promise<string> {
    this.assertOpen('newChannel')
    const name = `${prefix}.${this.clientId}!${randomName()}`
    requireValidChannelName(name)
    this.local.open(name)
    await this.#subscriptions.ensurePattern()
    return name
  }

  /**
   * Adds `channel` to `group`: the process subscribes to the group's
   * pub/sub channel when it is its first member here. With history and
   * `since`, the history is read once the subscription is in force, so
   * every message appended later is received live.
   */
  async groupAdd(group: string, channel: string, options?: GroupAddOptions): Promise<GroupJoin> {
    this.assertOpen('groupAdd')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    this.local.open(channel)
    return this.joinGroup(group, channel, options?.since, async () => {
      if (this.#membership.add(group, channel, Date.now())) {
        const name = this.#groupPrefix + group
        const subscribed = this.#subscriptions.subscribe(this.shardFor(name), name)
        this.#subscribing.set(group, subscribed)
        try {
          await subscribed
        } finally {
          if (this.#subscribing.get(group) === subscribed) this.#subscribing.delete(group)
        }
      } else {
        // Another member here is still subscribing: this one's history read
        // must wait for it too, or what is published meanwhile is lost to it.
        await this.#subscribing.get(group)
      }
    })
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.assertOpen('groupDiscard')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    this.local.unseam(channel, group)
    if (this.#membership.remove(group, channel)) await this.#unsubscribeGroup(group)
  }

  /**
   * Publishes to the group's pub/sub channel. The members in this process
   * get the message from Redis like the others, and have it when this
   * returns: in order with every other group message, whoever sent it.
   *
   * @internal
   */
  protected override sendToGroup(group: string, message: LayerMessage): Promise<void> {
    return this.#publish(group, message)
  }

  /**
   * Appends to the history and publishes the message with its position: in
   * one script call batched with the tick's other publishes when the
   * message can be stamped there (no encryption, one shard), else in two
   * steps. Either way a member that subscribed before the append receives
   * it live, and one that subscribed after reads it from the history.
   *
   * @internal
   */
  protected override async sendToGroupWithHistory(
    group: string,
    rule: HistoryRule,
    message: LayerMessage,
  ): Promise<void> {
    const name = this.#groupPrefix + group
    const shard = this.shardFor(name)
    const plain = withoutPosition(message)
    const payload = shard === this.history.shardOf(group) ? this.history.publishable(group, plain) : undefined
    if (payload === undefined) return this.#historySendInSteps(group, rule, plain)
    try {
      await shard.publishAppended(name, payload, this.history.publishArgs(group, rule))
    } catch (error) {
      if (!isConnectionError(error)) throw error
      // Redis is down (reported once per outage): the members in this process still get it, without a position.
      this.#deliverToGroup(group, this.copy(plain))
      return
    }
    if (this.#membership.hasGroup(group)) await this.#subscriptions.drain(shard)
  }

  async #historySendInSteps(group: string, rule: HistoryRule, message: LayerMessage): Promise<void> {
    let positioned: LayerMessage
    try {
      positioned = (await this.history.append(group, rule, message)).message
    } catch (error) {
      if (!isConnectionError(error)) throw error
      // Redis is down: the members in this process still get it, without a position (it is in no history).
      positioned = message
    }
    await this.#publish(group, positioned)
  }

  async #publish(group: string, message: LayerMessage): Promise<void> {
    const name = this.#groupPrefix + group
    const payload = this.wire.encode(message)
    const shard = this.shardFor(name)
    try {
      await shard.publish(name, payload)
    } catch (error) {
      if (!isConnectionError(error)) throw error
      // Redis is down (reported once per outage): the members in this process still get it.
      this.#deliverToGroup(group, this.copy(message))
      return
    }
    if (this.#membership.hasGroup(group)) await this.#subscriptions.drain(shard)
  }

  async discardChannel(channel: string): Promise<void> {
    this.assertOpen('discardChannel')
    requireValidChannelName(channel)
    this.local.discard(channel, 'the channel was discarded')
    await this.presenceStore.dropChannel(channel)
    const emptied = this.#membership
      .removeChannel(channel)
      .filter((group) => !this.#membership.hasGroup(group))
    await Promise.all([
      ...emptied.map((group) => this.#unsubscribeGroup(group)),
      this.#subscriptions.unsubscribeChannel(this.shardFor(channel), channel),
    ])
  }

  async flush(): Promise<void> {
    this.assertOpen('flush')
    // What was published to this process before the flush is dropped with the rest.
    await Promise.all(this.shards.map((shard) => this.#subscriptions.drain(shard)))
    const groups = [...this.#membership.groups()]
    this.#membership.clear()
    this.presenceStore.clear()
    const channels = this.#subscriptions.clearChannels()
    try {
      await Promise.all([
        // Nothing else of this layer is stored: its histories and presence are.
        ...this.shards.map((shard) => shard.unlinkMatching(`${this.options.prefix}:history*`)),
        ...this.shards.map((shard) => shard.unlinkMatching(`${this.options.prefix}:presence*`)),
        ...groups.map((group) => this.#unsubscribeGroup(group)),
        ...channels.map((channel) => this.#subscriptions.unsubscribe(this.shardFor(channel), channel)),
      ])
    } finally {
      // Last, so that callers awaiting flush() see their receives cancelled as it returns.
      this.local.clear('the layer was flushed')
    }
  }

  /** Cancels pending receives and closes the connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.presenceStore.close()
    this.closed = true
    this.#membership.clear()
    this.#subscriptions.close()
    await Promise.all(this.shards.map((shard) => shard.close()))
    this.local.closeAll('the layer was closed')
  }

  /** @internal */
  override up(): void {
    // The subscriber connection decides when this layer is back: see `#reconnected`.
  }

  async #receive(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    this.assertOpen('receive')
    requireValidChannelName(channel)
    requireNotAborted(channel, signal)
    // Queue up first, then subscribe: receives keep the order they were called in.
    const pending = this.local.receive(channel, signal)
    pending.catch(() => undefined)
    // A subscription that cannot be confirmed now is applied by ioredis when Redis returns.
    await this.#subscribeFor(channel).catch(() => undefined)
    return pending
  }

  /** Brings `channel`'s messages in: the pattern for this process's own channels, else its own subscription. */
  #subscribeFor(channel: string): Promise<void> {
    if (this.#isOwn(channel)) return this.#subscriptions.ensurePattern()
    return this.#subscriptions.subscribeChannel(this.shardFor(channel), channel)
  }

  /** Whether the messages of an open `channel` already come in, so a receive can go straight to its buffer. */
  #isListening(channel: string): boolean {
    return this.#isOwn(channel) ? this.#subscriptions.patternReady : this.#subscriptions.has(channel)
  }

  #unsubscribeGroup(group: string): Promise<void> {
    const name = this.#groupPrefix + group
    return this.#subscriptions.unsubscribe(this.shardFor(name), name)
  }

  #onMessage(name: string, payload: Buffer, pattern: boolean): void {
    if (!pattern && name.startsWith(this.#groupPrefix)) {
      const group = name.slice(this.#groupPrefix.length)
      if (this.#membership.hasGroup(group)) {
        const message = this.#decode(payload, name)
        if (message !== undefined) this.#deliverToGroup(group, message)
        return
      }
    }
    if (!this.local.has(name)) return
    const message = this.#decode(payload, name)
    if (message !== undefined && this.local.deliver(name, message) === 'full') this.warnings.dropped(1, name)
  }

  /** Hands a group message to the local members of `group`. */
  #deliverToGroup(group: string, message: LayerMessage): void {
    let full = 0
    for (const channel of this.#membership.members(group, Date.now() - this.options.groupExpiry * 1000)) {
      if (this.local.deliver(channel, message) === 'full') full++
    }
    if (full > 0) this.warnings.dropped(full, `group '${group}'`)
  }

  #reconnected(shard: RedisShard, downtimeMs: number): void {
    void this.presenceStore.heartbeat().catch(() => undefined)
    let notified = 0
    const event = this.options.reconnectEvent
    if (event !== null) {
      for (const channel of [...this.local.names()])
        if (this.local.deliver(channel, { ...event }) !== 'full') notified++
    }
    this.warnings.restored(shard.label, downtimeMs, this.#membership.size, notified)
  }

  #decode(payload: Buffer, name: string): LayerMessage | undefined {
    const decoded = this.wire.decode(payload)
    if (decoded === undefined) this.warnings.undecodable(name)
    return decoded?.message
  }

  #isOwn(channel: string): boolean {
    const bang = channel.indexOf('!')
    return bang !== -1 && channel.startsWith(this.#ownMark, bang + 1 - this.#ownMark.length)
  }
}
