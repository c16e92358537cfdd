/**
 * What a `RedisChannelLayer` holds besides its public methods: the shards,
 * the codec, the channels of this process with their readers and group
 * memberships, and what happens when a shard goes down and comes back.
 *
 * @module
 * @internal
 */

import { capacityFor } from '../capacity.js'
import type { LayerMessage } from '../../types.js'
import { settledWithin } from '../../util/settled-within.js'
import { RedisShard, type ShardListener } from './connection.js'
import { consistentHash } from './consistent-hash.js'
import { LayerWarnings } from './layer-warnings.js'
import { LocalChannels } from './local-channels.js'
import { LocalMembership } from './local-membership.js'
import type { ResolvedRedisOptions } from './options.js'
import { QueueReader, type PoppedEntry, type QueueReaderOwner } from './queue-reader.js'
import { isConnectionError } from './redis-errors.js'
import { GROUP_ADD } from './scripts.js'
import { WireFormat, type DecodedMessage } from './wire-format.js'

/** Messages taken per pop by a process's reader: enough to drain a burst in a few round trips. */
const LOCAL_BATCH = 256
/** How long close() lets readers finish a pop before it cuts their connections. */
const CLOSE_GRACE_MS = 250

/**
 * The state of one core layer.
 *
 * @internal
 */
export class CoreState implements ShardListener {
  readonly shards: readonly RedisShard[]
  readonly wire: WireFormat
  readonly local: LocalChannels
  readonly membership = new LocalMembership()
  readonly warnings: LayerWarnings
  readonly expiryMs: number
  readonly groupExpiryMs: number
  readonly #options: ResolvedRedisOptions
  /** msgpack without prefix or encryption: local deliveries get a decoded copy, as remote ones do. */
  readonly #plain = new WireFormat({ randomPrefixLength: 0 })
  /** Channel key → one reader per shard, for the process-local keys of this layer. */
  readonly #localReaders = new Map<string, QueueReader[]>()
  /** `group\nchannel` pairs left while Redis was down, removed from Redis when it returns. */
  readonly #pendingLeaves = new Set<string>()
  #closed = false
  #lastScoreMs = 0

  constructor(options: ResolvedRedisOptions, layer: string) {
    this.#options = options
    this.expiryMs = options.expiry * 1000
    this.groupExpiryMs = options.groupExpiry * 1000
    this.warnings = new LayerWarnings(layer)
    this.wire = new WireFormat({
      symmetricEncryptionKeys: options.symmetricEncryptionKeys,
      randomPrefixLength: options.randomPrefixLength,
      // As channels_redis: a token is good for the message expiry plus ten seconds of clock skew.
      tokenTtl: options.expiry + 10,
    })
    this.local = new LocalChannels(
      (channel) => capacityFor(channel, options.channelCapacity, options.capacity),
      this.expiryMs,
    )
    this.shards = options.hosts.map(
      (host, index) => new RedisShard(host, index, options.connectTimeoutMs, this),
    )
  }

  shardFor(name: string): RedisShard {
    return this.shards[consistentHash(name, this.shards.length)]!
  }

  groupKey(group: string): string {
    return `${this.#options.prefix}:group:${group}`
  }

  /** The score (epoch seconds) at or below which a message sent before `now` has expired. */
  expiredBefore(now: number): number {
    return (now - this.expiryMs) / 1000
  }

  /**
   * The score of a message sent now: epoch seconds with microseconds, and
   * strictly increasing within this process, so that two sends in the same
   * millisecond keep their order (equal scores would order by the random
   * prefix instead).
   */
  nextScore(): number {
    let ms = performance.timeOrigin + performance.now()
    if (ms <= this.#lastScoreMs) ms = this.#lastScoreMs + 0.001
    this.#lastScoreMs = ms
    return ms / 1000
  }

  /** A decoded copy of `message`, exactly what a receiver in another process would get. */
  copy(message: LayerMessage): LayerMessage {
    return this.#plain.decode(this.#plain.encode(message))!.message
  }

  /** The message of a popped entry, or `undefined` when it expired or cannot be read. */
  decodeEntry(entry: PoppedEntry, key = ''): DecodedMessage | undefined {
    const [member, score] = entry
    // channels_redis never checks the age of what it pops; a message older than expiry is dropped here.
    if (score * 1000 <= Date.now() - this.expiryMs) return undefined
    const decoded = this.wire.decode(member)
    if (decoded === undefined) this.warnings.undecodable(key)
    return decoded
  }

  /** Returns an entry nobody took to the head of its queue, with its original score. */
  putBack(reader: QueueReader, [member, score]: PoppedEntry): void {
    void reader.shard.commands
      .zadd(reader.key, score, member)
      .catch(() => this.warnings.dropped(1, reader.key))
  }

  /** One reader per shard for `key`: readers take from every shard, since senders may pick any. */
  readersFor(key: string, owner: QueueReaderOwner): QueueReader[] {
    return this.shards.map((shard) => new QueueReader(shard, key, owner))
  }

  /** Starts the readers of a process-local key (once). */
  startLocalReaders(key: string): void {
    if (this.#localReaders.has(key) || this.#closed) return
    const owner: QueueReaderOwner = {
      wanted: () => (this.#closed ? 0 : LOCAL_BATCH),
      take: (entries, reader) => this.#route(entries, reader.key),
    }
    const readers = this.readersFor(key, owner)
    this.#localReaders.set(key, readers)
    for (const reader of readers) reader.start()
  }

  /** Removes `channel` from `groups` in Redis; for a local channel, an outage defers it. */
  async leave(groups: readonly string[], channel: string, own: boolean): Promise<void> {
    await Promise.all(
      groups.map(async (group) => {
        const shard = this.shardFor(group)
        try {
          await (await shard.ready()).zrem(this.groupKey(group), channel)
        } catch (error) {
          if (!own || !isConnectionError(error)) throw error
          this.#pendingLeaves.add(`${group}\n${channel}`)
        }
      }),
    )
  }

  /** Deletes every key under the prefix on every shard, then empties the local buffers. */
  async flush(): Promise<void> {
    this.membership.clear()
    this.#pendingLeaves.clear()
    try {
      await Promise.all(
        this.shards.map(async (shard) => {
          const client = await shard.ready()
          let cursor = '0'
          do {
            const [next, keys] = await client.scan(cursor, 'MATCH', `${this.#options.prefix}*`, 'COUNT', 1000)
            cursor = next
            if (keys.length > 0) await client.unlink(...keys)
          } while (cursor !== '0')
        }),
      )
    } finally {
      // Last, so that callers awaiting flush() see their receives cancelled as it returns.
      this.local.clear('the layer was flushed')
    }
  }

  async close(pending: Promise<void>): Promise<void> {
    this.#closed = true
    this.membership.clear()
    const stopped = Promise.all([pending, ...[...this.#localReaders.values()].flat().map((r) => r.stop())])
    this.#localReaders.clear()
    await settledWithin(stopped, CLOSE_GRACE_MS)
    await Promise.all(this.shards.map((shard) => shard.close()))
    this.local.closeAll('the layer was closed')
  }

  down(shard: RedisShard, reason: string): void {
    this.warnings.outage(shard.label, reason)
  }

  up(shard: RedisShard, downtimeMs: number): void {
    void this.#restore(shard, downtimeMs)
  }

  /** Puts this process's memberships back on a shard that returned, then tells the local channels. */
  async #restore(shard: RedisShard, downtimeMs: number): Promise<void> {
    const client = shard.commands
    const pipeline = client.pipeline()
    let memberships = 0
    const joinedAfter = Date.now() - this.groupExpiryMs
    for (const [group, channel, joinedAt] of this.membership.entries()) {
      if (this.shardFor(group) !== shard || joinedAt <= joinedAfter) continue
      // The original join time keeps groupExpiry counting from the real groupAdd.
      const args = [this.groupKey(group), channel, joinedAt / 1000, this.groupExpiryMs]
      pipeline.evalsha(GROUP_ADD.sha, 1, ...args)
      memberships++
    }
    for (const pair of this.#pendingLeaves) {
      const [group, channel] = pair.split('\n') as [string, string]
      if (this.shardFor(group) !== shard) continue
      pipeline.zrem(this.groupKey(group), channel)
      this.#pendingLeaves.delete(pair)
    }
    // The script cache is empty after a restart; loading it first lets the EVALSHAs above run.
    await client.script('LOAD', GROUP_ADD.source).catch(() => undefined)
    await pipeline.exec().catch(() => undefined)
    let notified = 0
    const event = this.#options.reconnectEvent
    if (event !== null && !this.#closed) {
      for (const channel of [...this.local.names()]) {
        if (this.local.deliver(channel, { ...event }) !== 'full') notified++
      }
    }
    this.warnings.restored(shard.label, downtimeMs, memberships, notified)
  }

  /** Hands each popped message to the local channels it names. */
  #route(entries: readonly PoppedEntry[], key: string): void {
    for (const entry of entries) {
      const decoded = this.decodeEntry(entry, key)
      if (decoded === undefined) continue
      const { message, channels } = decoded
      const sentAt = entry[1] * 1000
      if (typeof channels === 'string') {
        if (this.local.deliver(channels, message, sentAt) === 'full') this.warnings.dropped(1, channels)
      } else if (channels !== undefined) {
        let full = 0
        // Members of one process share the decoded message, as the in-memory layer shares it.
        for (const channel of channels) if (this.local.deliver(channel, message, sentAt) === 'full') full++
        if (full > 0) this.warnings.dropped(full, key)
      }
    }
  }
}
