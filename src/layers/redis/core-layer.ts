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

import { ForeignChannel } from '../../errors.js'
import type { LayerMessage } from '../../types.js'
import { randomName } from '../../util/random-pool.js'
import type { ChannelLayer, ReceiveOptions } from '../channel-layer.js'
import { withoutPosition, type GroupAddOptions, type GroupJoin, type HistoryRule } from '../history.js'
import { LISTEN, LISTENS_TO } from '../channel-listener.js'
import type { ChannelListener } from '../channel-listener.js'
import {
  requireMessage,
  requireNotAborted,
  requireValidChannelName,
  requireValidGroupName,
} from '../layer-checks.js'
import type { RedisShard } from './connection.js'
import { CoreGroups } from './core-groups.js'
import { CoreReaders } from './core-readers.js'
import { CoreSends } from './core-sends.js'
import { planGroupSend } from './group-send-plan.js'
import type { RedisChannelLayerOptions } from './options.js'
import { RedisLayerBase } from './redis-layer-base.js'
import { isConnectionError, rethrow } from './redis-errors.js'

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
 * import { RedisChannelLayer } from 'tschannels/redis'
 *
 * configureChannelLayers({
 *   default: new RedisChannelLayer({ hosts: ['redis://localhost:6379'], symmetricEncryptionKeys: [secret] }),
 * })
 * // or, by name: { default: { backend: 'redis', options: { hosts: [process.env.REDIS_URL] } } }
 * ```
 */
export class RedisChannelLayer extends RedisLayerBase implements ChannelLayer {
  readonly #groups: CoreGroups
  readonly #readers: CoreReaders
  /** This tick's direct sends, one script call per shard. */
  readonly #sends: CoreSends
  readonly #expiryMs: number
  readonly #groupExpiryMs: number
  #lastScoreMs = 0

  /**
   * @param options - Hosts, prefix, capacity, expiry and encryption; see `RedisChannelLayerOptions`.
   * @throws ImproperlyConfigured naming the first invalid option.
   */
  constructor(options?: RedisChannelLayerOptions) {
    super('RedisChannelLayer', options, (resolved) => ({
      randomPrefixLength: resolved.randomPrefixLength,
      // As channels_redis: a token is good for the message expiry plus ten seconds of clock skew.
      tokenTtl: resolved.expiry + 10,
    }))
    this.#expiryMs = this.options.expiry * 1000
    this.#groupExpiryMs = this.options.groupExpiry * 1000
    this.#sends = new CoreSends(this.#expiryMs)
    const reading = { shards: this.shards, wire: this.wire, local: this.local, warnings: this.warnings }
    this.#readers = new CoreReaders({ ...reading, expiryMs: this.#expiryMs }, this.options.prefix)
    this.#groups = new CoreGroups(this.options.prefix, this.#groupExpiryMs, (name) => this.shardFor(name))
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.assertOpen('send')
    requireValidChannelName(channel)
    requireMessage(message)
    if (this.local.has(channel)) {
      if (this.local.isFull(channel)) throw this.full(channel)
      this.local.deliver(channel, this.copy(message))
      return
    }
    const bang = channel.indexOf('!')
    const routing = bang === -1 ? channel : channel.slice(0, bang + 1)
    // channels_redis hashes the whole name here but only the routing part when it receives, so with
    // several hosts it loses these messages; hashing the routing part puts them where receivers look.
    const shard = this.shardFor(routing)
    const member = this.wire.encode(message, bang === -1 ? undefined : channel)
    const now = Date.now()
    let queued: number | undefined
    try {
      if (!shard.isUp) await shard.ready()
      const capacity = capacityArg(this.capacityOf(channel))
      const key = this.options.prefix + routing
      queued = await this.#sends.add(
        shard,
        key,
        this.#expiredBefore(now),
        capacity,
        this.#nextScore(),
        member,
      )
    } catch (error) {
      rethrow(error, shard)
    }
    if (queued === 0) throw this.full(channel)
  }

  receive(channel: string, options?: ReceiveOptions): Promise<LayerMessage> {
    // The hot path, a consumer's loop on its own channel: an open local channel was validated and
    // has its reader running, so the receive is the buffer's own promise and nothing more.
    const signal = options?.signal
    if (!this.closed && signal?.aborted !== true && this.local.has(channel)) {
      return this.local.receive(channel, signal)
    }
    return this.#receive(channel, signal)
  }

  async newChannel(prefix = 'specific'): Promise<string> {
    this.assertOpen('newChannel')
    const routing = `${prefix}.${this.clientId}!`
    const name = `${routing}${randomName()}`
    requireValidChannelName(name)
    this.#openLocal(name, routing)
    return name
  }

  async groupAdd(group: string, channel: string, options?: GroupAddOptions): Promise<GroupJoin> {
    this.assertOpen('groupAdd')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    return this.joinGroup(group, channel, options?.since, () =>
      this.#groups.add(group, channel, this.local.has(channel)),
    )
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.assertOpen('groupDiscard')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    this.local.unseam(channel, group)
    await this.#groups.discard(group, channel, this.local.has(channel))
  }

  /** @internal */
  protected override async sendToGroup(group: string, message: LayerMessage): Promise<void> {
    const now = Date.now()
    await this.#fanOut(group, await this.#groups.members(group, now - this.#groupExpiryMs), message, now)
  }

  /**
   * The message is appended and the group's members read in one script
   * call, so a channel joining meanwhile gets it either live or from the
   * history.
   *
   * @internal
   */
  protected override async sendToGroupWithHistory(
    group: string,
    rule: HistoryRule,
    message: LayerMessage,
  ): Promise<void> {
    const now = Date.now()
    const groupKey = this.#groups.key(group)
    let appended
    try {
      appended = await this.history.append(group, rule, message, {
        groupKey,
        joinedBefore: (now - this.#groupExpiryMs) / 1000,
      })
    } catch (error) {
      if (!isConnectionError(error)) throw error
      // Redis is down: the members in this process still get it, without a position (it is in no history).
      const members = await this.#groups.members(group, now - this.#groupExpiryMs)
      return this.#fanOut(group, members, withoutPosition(message), now)
    }
    await this.#fanOut(group, appended.members ?? [], appended.message, now)
  }

  /** Delivers `message` to `members`: at once to those of this process, one script call per shard for the rest. */
  async #fanOut(
    group: string,
    members: readonly string[],
    message: LayerMessage,
    now: number,
  ): Promise<void> {
    const plan = planGroupSend(
      members,
      (channel) => this.local.has(channel),
      this.options.prefix,
      this.shards.length,
    )
    let skipped = 0
    if (plan.local.length > 0) {
      const copy = this.copy(message)
      for (const channel of plan.local) if (this.local.deliver(channel, copy) === 'full') skipped++
    }
    const score = this.#nextScore()
    // The tick's direct sends go first: they were made before this message, and their scores are lower.
    this.#sends.flush()
    const writes = [...plan.remote].map(async ([index, batch]) => {
      const payloads = batch.channels.map((channels) => this.wire.encode(message, channels))
      const capacities = batch.channels.map((channels) => capacityArg(this.capacityOf(channels[0]!)))
      try {
        const shard = this.shards[index]!
        const client = shard.isUp ? shard.commands : await shard.ready()
        const args = [...payloads, ...capacities, score, this.#expiryMs, this.#expiredBefore(now)]
        const full = await shard.track(client.tschannelsGroupSend(batch.keys.length, ...batch.keys, ...args))
        for (const position of full) skipped += batch.channels[position - 1]!.length
      } catch (error) {
        if (!isConnectionError(error)) throw error
      }
    })
    await Promise.all(writes)
    if (skipped > 0) this.warnings.dropped(skipped, `group '${group}'`)
  }

  async discardChannel(channel: string): Promise<void> {
    this.assertOpen('discardChannel')
    requireValidChannelName(channel)
    if (this.local.has(channel)) {
      this.local.discard(channel, 'the channel was discarded')
      await Promise.all([this.#groups.discardChannel(channel), this.presenceStore.dropChannel(channel)])
      return
    }
    await this.#readers.discardNamed(channel)
  }

  /** Deletes every key under the prefix on every shard, then empties the local buffers. */
  async flush(): Promise<void> {
    this.assertOpen('flush')
    // Sends made before the flush are flushed with the rest.
    this.#sends.flush()
    this.#groups.clear()
    this.presenceStore.clear()
    try {
      await Promise.all(this.shards.map((shard) => shard.unlinkMatching(`${this.options.prefix}*`)))
    } finally {
      // Last, so that callers awaiting flush() see their receives cancelled as it returns.
      this.local.clear('the layer was flushed')
    }
    await this.#readers.cancelNamed('the layer was flushed')
  }

  /** Cancels pending receives, stops the readers and closes the connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.presenceStore.close()
    this.closed = true
    // Sends made in the same tick as close() go out before the connections close.
    this.#sends.flush()
    this.#groups.clear()
    await this.#readers.close()
    await Promise.all(this.shards.map((shard) => shard.close()))
    this.local.closeAll('the layer was closed')
    await this.#readers.cancelNamed('the layer was closed')
  }

  /** @internal */
  [LISTENS_TO](channel: string): boolean {
    // A named channel is shared with other processes and read only while a receive() waits on it.
    return channel.includes('!')
  }

  /** @internal */
  [LISTEN](channel: string, listener: ChannelListener): LayerMessage | undefined {
    if (this.closed || !this.local.has(channel)) this.#openOwn(channel, 'receive')
    return this.local.listen(channel, listener)
  }

  /** @internal */
  override up(shard: RedisShard, downtimeMs: number): void {
    void this.#restore(shard, downtimeMs)
  }

  /** Checks a process-local channel `receive()` was called on, and opens it here. */
  #openOwn(channel: string, method: string): void {
    this.assertOpen(method)
    requireValidChannelName(channel)
    const bang = channel.indexOf('!')
    const routing = channel.slice(0, bang + 1)
    if (!routing.endsWith(`.${this.clientId}!`)) {
      throw new ForeignChannel(
        `${method}() on '${channel}': that process-local channel belongs to another process or layer, and ` +
          'reading it would take its messages. Receive on channels from this layer’s newChannel().',
      )
    }
    if (!this.local.has(channel)) this.#openLocal(channel, routing)
  }

  async #receive(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    this.assertOpen('receive')
    requireValidChannelName(channel)
    requireNotAborted(channel, signal)
    if (channel.includes('!')) {
      this.#openOwn(channel, 'receive')
      return this.local.receive(channel, signal)
    }
    return this.#readers.receiveNamed(channel, signal)
  }

  #openLocal(channel: string, routing: string): void {
    this.local.open(channel)
    this.#readers.startLocal(this.options.prefix + routing)
  }

  /** Puts this process's memberships back on a shard that returned, then tells the local channels. */
  async #restore(shard: RedisShard, downtimeMs: number): Promise<void> {
    const memberships = await this.#groups.restore(shard)
    void this.presenceStore.heartbeat().catch(() => undefined)
    let notified = 0
    const event = this.options.reconnectEvent
    if (event !== null && !this.closed) {
      for (const channel of [...this.local.names()]) {
        if (this.local.deliver(channel, { ...event }) !== 'full') notified++
      }
    }
    this.warnings.restored(shard.label, downtimeMs, memberships, notified)
  }

  /**
   * The score of a message sent now: epoch seconds with microseconds, and
   * strictly increasing within this process, so that two sends in the same
   * millisecond keep their order (equal scores would order by the random
   * prefix instead).
   */
  #nextScore(): number {
    let ms = performance.timeOrigin + performance.now()
    if (ms <= this.#lastScoreMs) ms = this.#lastScoreMs + 0.001
    this.#lastScoreMs = ms
    return ms / 1000
  }

  /** The score (epoch seconds) at or below which a message sent before `now` has expired. */
  #expiredBefore(now: number): number {
    return (now - this.#expiryMs) / 1000
  }
}

/** Capacities as the scripts take them: -1 for none. */
function capacityArg(capacity: number): number {
  return Number.isFinite(capacity) ? capacity : -1
}
