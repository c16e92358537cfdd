/**
 * `RedisChannelLayer`: the channel layer of `channels_redis.core`, on the
 * same Redis keys and in the same message format, so Python and Node
 * processes share channels and groups.
 *
 * Layout (prefix `asgi`): a channel's queue is the sorted set
 * `asgi<channel>` scored by send time; the process-local channels
 * `specific.<process>!<local>` of one process share the queue
 * `asgispecific.<process>!` and name their channel in `__asgi_channel__`;
 * a group is the sorted set `asgi:group:<group>` of member channels scored by
 * join time.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import { ForeignChannel, LayerClosed, ReceiveCancelled, type ChannelFull } from '../../errors.js'
import type { LayerMessage } from '../../types.js'
import { capacityFor } from '../capacity.js'
import type { ChannelLayer, ReceiveOptions } from '../channel-layer.js'
import { LISTEN, LISTENS_TO } from '../channel-listener.js'
import type { ChannelListener } from '../channel-listener.js'
import { requireValidChannelName, requireValidGroupName } from '../names.js'
import { CoreState } from './core-state.js'
import { GeneralChannels } from './general-channels.js'
import { planGroupSend } from './group-send-plan.js'
import { channelFull, requireMessage } from './messages.js'
import { resolveRedisOptions, type RedisChannelLayerOptions, type ResolvedRedisOptions } from './options.js'
import { isConnectionError, rethrow } from './redis-errors.js'
import { GROUP_ADD, GROUP_MEMBERS, GROUP_SEND, SEND } from './scripts.js'
import { randomName } from '../../util/random-pool.js'

const EXTENSIONS: readonly string[] = Object.freeze(['groups', 'flush'])

/**
 * A channel layer on Redis, wire-compatible with Python's
 * `channels_redis.core.RedisChannelLayer` 4.x.
 *
 * Each process runs one blocking reader for all its consumers' channels and
 * hands messages out locally; messages between channels of the same process
 * do not go through Redis at all. A `groupSend` reads the group once and
 * writes one message per receiving process (one script call per shard).
 * When Redis goes away, local traffic keeps flowing; when it comes back,
 * the layer re-registers its group memberships and delivers
 * `{ type: 'layer.reconnected' }` to its channels.
 *
 * @example
 * ```ts
 * import { configureChannelLayers } from 'tschannels'
 * import { RedisChannelLayer } from 'tschannels/layers/redis'
 *
 * configureChannelLayers({
 *   default: new RedisChannelLayer({ hosts: ['redis://localhost:6379'], symmetricEncryptionKeys: [secret] }),
 * })
 * // or, by name: { default: { backend: 'redis', options: { hosts: [process.env.REDIS_URL] } } }
 * ```
 */
export class RedisChannelLayer implements ChannelLayer {
  /** Channels' extension names: this layer supports groups and flush. */
  readonly extensions = EXTENSIONS
  readonly #options: ResolvedRedisOptions
  readonly #state: CoreState
  readonly #clientId = randomBytes(9).toString('base64url')
  readonly #general: GeneralChannels
  #closed = false

  /**
   * @param options - Hosts, prefix, capacity, expiry and encryption; see `RedisChannelLayerOptions`.
   * @throws ImproperlyConfigured naming the first invalid option.
   */
  constructor(options?: RedisChannelLayerOptions) {
    this.#options = resolveRedisOptions(options, 'RedisChannelLayer')
    this.#state = new CoreState(this.#options, 'RedisChannelLayer')
    this.#general = new GeneralChannels(this.#state, this.#options.prefix)
  }

  /** The part of this process's channel names that identifies it (`specific.<client>!…`). */
  get clientId(): string {
    return this.#clientId
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.#assertOpen('send')
    requireValidChannelName(channel)
    requireMessage(message)
    const state = this.#state
    if (state.local.has(channel)) {
      if (state.local.isFull(channel)) throw this.#full(channel)
      state.local.deliver(channel, state.copy(message))
      return
    }
    const bang = channel.indexOf('!')
    const routing = bang === -1 ? channel : channel.slice(0, bang + 1)
    // channels_redis hashes the whole name here but only the routing part when it receives, so with
    // several hosts it loses these messages; hashing the routing part puts them where receivers look.
    const shard = state.shardFor(routing)
    const member = state.wire.encode(message, bang === -1 ? undefined : channel)
    const now = Date.now()
    let queued: unknown
    try {
      const client = shard.batch() ?? (await shard.ready())
      queued = await SEND.run(
        client,
        [this.#options.prefix + routing],
        [
          state.expiredBefore(now),
          capacityArg(this.#capacityOf(channel)),
          state.nextScore(),
          member,
          state.expiryMs,
        ],
      )
    } catch (error) {
      rethrow(error, shard)
    }
    if (queued === 0) throw this.#full(channel)
  }

  receive(channel: string, options?: ReceiveOptions): Promise<LayerMessage> {
    // The hot path, a consumer's loop on its own channel: an open local channel was validated and
    // has its reader running, so the receive is the buffer's own promise and nothing more.
    const signal = options?.signal
    if (!this.#closed && signal?.aborted !== true && this.#state.local.has(channel)) {
      return this.#state.local.receive(channel, signal)
    }
    return this.#receive(channel, signal)
  }

  async newChannel(prefix = 'specific'): Promise<string> {
    this.#assertOpen('newChannel')
    const routing = `${prefix}.${this.#clientId}!`
    const name = `${routing}${randomName()}`
    requireValidChannelName(name)
    this.#openLocal(name, routing)
    return name
  }

  async groupAdd(group: string, channel: string): Promise<void> {
    this.#assertOpen('groupAdd')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    const now = Date.now()
    const own = this.#state.local.has(channel)
    if (own) this.#state.membership.add(group, channel, now)
    const shard = this.#state.shardFor(group)
    try {
      const client = await shard.ready()
      await GROUP_ADD.run(
        client,
        [this.#state.groupKey(group)],
        [channel, now / 1000, this.#state.groupExpiryMs],
      )
    } catch (error) {
      // A channel of this process stays a member locally and is registered in Redis when it returns.
      if (own && isConnectionError(error)) return
      rethrow(error, shard)
    }
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.#assertOpen('groupDiscard')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    const own = this.#state.membership.remove(group, channel) || this.#state.local.has(channel)
    await this.#state.leave([group], channel, own)
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.#assertOpen('groupSend')
    requireValidGroupName(group)
    requireMessage(message)
    const state = this.#state
    const now = Date.now()
    const joinedAfter = now - state.groupExpiryMs
    const shard = state.shardFor(group)
    let members: readonly string[]
    try {
      const client = shard.batch() ?? (await shard.ready())
      members = (await GROUP_MEMBERS.run(client, [state.groupKey(group)], [joinedAfter / 1000])) as string[]
    } catch (error) {
      if (!isConnectionError(error)) throw error
      // Redis is down (reported once per outage): reach the members in this process, as a broadcast
      // must not fail a consumer. The rest of the group misses this message.
      members = state.membership.members(group, joinedAfter)
    }
    const plan = planGroupSend(
      members,
      (channel) => state.local.has(channel),
      this.#options.prefix,
      state.shards.length,
    )
    let skipped = 0
    if (plan.local.length > 0) {
      const copy = state.copy(message)
      for (const channel of plan.local) if (state.local.deliver(channel, copy) === 'full') skipped++
    }
    const score = state.nextScore()
    const writes = [...plan.remote].map(async ([index, batch]) => {
      const payloads = batch.channels.map((channels) => state.wire.encode(message, channels))
      const capacities = batch.channels.map((channels) => capacityArg(this.#capacityOf(channels[0]!)))
      try {
        const shard = state.shards[index]!
        const client = shard.batch() ?? (await shard.ready())
        const args = [...payloads, ...capacities, score, state.expiryMs, state.expiredBefore(now)]
        const full = (await GROUP_SEND.run(client, batch.keys, args)) as number[]
        for (const position of full) skipped += batch.channels[position - 1]!.length
      } catch (error) {
        if (!isConnectionError(error)) throw error
      }
    })
    await Promise.all(writes)
    if (skipped > 0) state.warnings.dropped(skipped, `group '${group}'`)
  }

  async discardChannel(channel: string): Promise<void> {
    this.#assertOpen('discardChannel')
    requireValidChannelName(channel)
    const state = this.#state
    if (state.local.has(channel)) {
      state.local.discard(channel, 'the channel was discarded')
      await state.leave(state.membership.removeChannel(channel), channel, true)
      return
    }
    await this.#general.discard(channel)
  }

  async flush(): Promise<void> {
    this.#assertOpen('flush')
    await this.#state.flush()
    await this.#general.cancelAll('the layer was flushed')
  }

  /** Cancels pending receives, stops the readers and closes the connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#state.close(this.#general.stopReaders())
    await this.#general.cancelAll('the layer was closed')
  }

  /** @internal */
  [LISTENS_TO](channel: string): boolean {
    // A named channel is shared with other processes and read only while a receive() waits on it.
    return channel.includes('!')
  }

  /** @internal */
  [LISTEN](channel: string, listener: ChannelListener): LayerMessage | undefined {
    if (this.#closed || !this.#state.local.has(channel)) this.#openOwn(channel, 'receive')
    return this.#state.local.listen(channel, listener)
  }

  /** Checks a process-local channel `receive()` was called on, and opens it here. */
  #openOwn(channel: string, method: string): void {
    this.#assertOpen(method)
    requireValidChannelName(channel)
    const bang = channel.indexOf('!')
    const routing = channel.slice(0, bang + 1)
    if (!routing.endsWith(`.${this.#clientId}!`)) {
      throw new ForeignChannel(
        `${method}() on '${channel}': that process-local channel belongs to another process or layer, and ` +
          'reading it would take its messages. Receive on channels from this layer’s newChannel().',
      )
    }
    if (!this.#state.local.has(channel)) this.#openLocal(channel, routing)
  }

  async #receive(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    this.#assertOpen('receive')
    requireValidChannelName(channel)
    if (signal?.aborted) {
      throw new ReceiveCancelled(`receive() on '${channel}' was cancelled: its signal was already aborted.`, {
        cause: signal.reason,
      })
    }
    if (channel.includes('!')) {
      this.#openOwn(channel, 'receive')
      return this.#state.local.receive(channel, signal)
    }
    return this.#general.receive(channel, signal)
  }

  #openLocal(channel: string, routing: string): void {
    this.#state.local.open(channel)
    this.#state.startLocalReaders(this.#options.prefix + routing)
  }

  #capacityOf(channel: string): number {
    return capacityFor(channel, this.#options.channelCapacity, this.#options.capacity)
  }

  #full(channel: string): ChannelFull {
    return channelFull(channel, this.#capacityOf(channel))
  }

  #assertOpen(method: string): void {
    if (this.#closed) {
      throw new LayerClosed(
        `RedisChannelLayer.${method}() was called after close(). Create a new layer, ` +
          'or, if it came from getChannelLayer(), fetch it again after resetChannelLayers().',
      )
    }
  }
}

/** Capacities as the scripts take them: -1 for none. */
function capacityArg(capacity: number): number {
  return Number.isFinite(capacity) ? capacity : -1
}
