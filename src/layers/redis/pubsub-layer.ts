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

import { randomBytes } from 'node:crypto'

import { LayerClosed, ReceiveCancelled, type ChannelFull } from '../../errors.js'
import type { LayerMessage } from '../../types.js'
import { capacityFor } from '../capacity.js'
import type { ChannelLayer, ReceiveOptions } from '../channel-layer.js'
import { LISTEN } from '../channel-listener.js'
import type { ChannelListener } from '../channel-listener.js'
import { requireValidChannelName, requireValidGroupName } from '../names.js'
import { channelFull, requireMessage } from './messages.js'
import {
  resolveRedisOptions,
  type RedisPubSubChannelLayerOptions,
  type ResolvedRedisOptions,
} from './options.js'
import { PubSubState } from './pubsub-state.js'
import { isConnectionError, rethrow } from './redis-errors.js'
import { randomName } from '../../util/random-pool.js'

const EXTENSIONS: readonly string[] = Object.freeze(['groups', 'flush'])

/**
 * A channel layer on Redis pub/sub, compatible with Python's
 * `channels_redis.pubsub.RedisPubSubChannelLayer`.
 *
 * Each process subscribes once for all of its channels (one pattern) and
 * once per group it has members in, then hands messages out locally; a
 * `groupSend` is one PUBLISH, fanned out by Redis to the subscribed
 * processes, not to each member. The price of pub/sub: a message published
 * while nobody is subscribed is gone, so a named channel must already be
 * received on when something is sent to it, and `send()` to another process
 * never throws `ChannelFull` (capacity applies to the local buffers only).
 *
 * @example
 * ```ts
 * import { configureChannelLayers } from 'tschannels'
 * import { RedisPubSubChannelLayer } from 'tschannels/layers/redis'
 *
 * configureChannelLayers({ default: new RedisPubSubChannelLayer({ hosts: [process.env.REDIS_URL!] }) })
 * ```
 */
export class RedisPubSubChannelLayer implements ChannelLayer {
  /** Channels' extension names: this layer supports groups and flush. */
  readonly extensions = EXTENSIONS
  readonly #options: ResolvedRedisOptions
  readonly #state: PubSubState
  readonly #clientId = randomBytes(9).toString('base64url')
  /** What the routing part of this process's channel names ends with (`specific.<client>!`). */
  readonly #ownMark = `.${this.#clientId}!`
  #closed = false

  /**
   * @param options - Hosts, prefix, capacity, expiry and encryption; see `RedisPubSubChannelLayerOptions`.
   * @throws ImproperlyConfigured naming the first invalid option.
   */
  constructor(options?: RedisPubSubChannelLayerOptions) {
    this.#options = resolveRedisOptions(options, 'RedisPubSubChannelLayer')
    this.#state = new PubSubState(this.#options, `*.${this.#clientId}!*`)
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.#assertOpen('send')
    requireValidChannelName(channel)
    requireMessage(message)
    const state = this.#state
    if (this.#isOwn(channel)) {
      // A channel of this process needs no round trip, and keeps working during an outage.
      if (state.local.isFull(channel)) throw this.#full(channel)
      const payload = state.wire.encode(message)
      state.local.deliver(channel, state.wire.decode(payload)!.message)
      return
    }
    const payload = state.wire.encode(message)
    const shard = state.shardFor(channel)
    try {
      await state.publish(shard, channel, payload)
    } catch (error) {
      rethrow(error, shard)
    }
  }

  receive(channel: string, options?: ReceiveOptions): Promise<LayerMessage> {
    // The hot path, a consumer's loop on its own channel once its subscription is in place: no
    // validation (an open channel was checked when it opened) and no promise but the receive's own.
    const signal = options?.signal
    const state = this.#state
    // `local.has` first: it is false for a name that is not a string, which must reject, not throw.
    if (
      !this.#closed &&
      signal?.aborted !== true &&
      state.local.has(channel) &&
      state.isListening(channel, this.#isOwn(channel))
    ) {
      return state.local.receive(channel, signal)
    }
    return this.#receive(channel, signal)
  }

  /** @internal */
  [LISTEN](channel: string, listener: ChannelListener): LayerMessage | undefined {
    const state = this.#state
    const own = this.#isOwn(channel)
    if (!this.#closed && state.local.has(channel) && state.isListening(channel, own)) {
      return state.local.listen(channel, listener)
    }
    this.#assertOpen('receive')
    requireValidChannelName(channel)
    // Queue up first, then subscribe, as receive() does; a subscription that cannot be confirmed
    // now is applied by ioredis when Redis returns.
    const message = state.local.listen(channel, listener)
    void (own ? state.ensurePattern() : state.subscribeChannel(channel)).catch(() => undefined)
    return message
  }

  async newChannel(prefix = 'specific'): Promise<string> {
    this.#assertOpen('newChannel')
    const name = `${prefix}.${this.#clientId}!${randomName()}`
    requireValidChannelName(name)
    this.#state.local.open(name)
    await this.#state.ensurePattern()
    return name
  }

  async groupAdd(group: string, channel: string): Promise<void> {
    this.#assertOpen('groupAdd')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    this.#state.local.open(channel)
    if (this.#state.membership.add(group, channel, Date.now())) await this.#state.subscribeGroup(group)
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.#assertOpen('groupDiscard')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    if (this.#state.membership.remove(group, channel)) await this.#state.unsubscribeGroup(group)
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.#assertOpen('groupSend')
    requireValidGroupName(group)
    requireMessage(message)
    const state = this.#state
    try {
      await state.publishGroup(group, message)
    } catch (error) {
      if (!isConnectionError(error)) throw error
      // Redis is down (reported once per outage): the members in this process still get it.
      state.deliverToGroup(group, state.wire.decode(state.wire.encode(message))!.message)
    }
  }

  async discardChannel(channel: string): Promise<void> {
    this.#assertOpen('discardChannel')
    requireValidChannelName(channel)
    const state = this.#state
    state.local.discard(channel, 'the channel was discarded')
    const emptied = state.membership
      .removeChannel(channel)
      .filter((group) => !state.membership.hasGroup(group))
    await Promise.all([
      ...emptied.map((group) => state.unsubscribeGroup(group)),
      state.unsubscribeChannel(channel),
    ])
  }

  async flush(): Promise<void> {
    this.#assertOpen('flush')
    await this.#state.flush()
  }

  /** Cancels pending receives and closes the connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#state.close()
  }

  async #receive(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    this.#assertOpen('receive')
    requireValidChannelName(channel)
    if (signal?.aborted) {
      throw new ReceiveCancelled(`receive() on '${channel}' was cancelled: its signal was already aborted.`, {
        cause: signal.reason,
      })
    }
    const state = this.#state
    // Queue up first, then subscribe: receives keep the order they were called in.
    const pending = state.local.receive(channel, signal)
    pending.catch(() => undefined)
    const subscribed = this.#isOwn(channel) ? state.ensurePattern() : state.subscribeChannel(channel)
    // A subscription that cannot be confirmed now is applied by ioredis when Redis returns.
    await subscribed.catch(() => undefined)
    return pending
  }

  #isOwn(channel: string): boolean {
    const bang = channel.indexOf('!')
    return bang !== -1 && channel.startsWith(this.#ownMark, bang + 1 - this.#ownMark.length)
  }

  #full(channel: string): ChannelFull {
    return channelFull(channel, capacityFor(channel, this.#options.channelCapacity, this.#options.capacity))
  }

  #assertOpen(method: string): void {
    if (this.#closed) {
      throw new LayerClosed(
        `RedisPubSubChannelLayer.${method}() was called after close(). Create a new layer, ` +
          'or, if it came from getChannelLayer(), fetch it again after resetChannelLayers().',
      )
    }
  }
}
