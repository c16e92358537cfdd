/**
 * What the two Redis layers have in common: resolved options, one
 * `RedisShard` per host, the wire format, this process's channels and their
 * buffers, the warnings, and the checks every method starts with. Each layer
 * is one class on top of this; only what differs is written there.
 *
 * @module
 * @internal
 */

import { randomBytes } from 'node:crypto'

import type { ChannelFull } from '../../errors.js'
import type { LayerMessage } from '../../types.js'
import { capacityFor } from '../capacity.js'
import { NO_HISTORY, type GroupJoin, type HistoryRule, type StreamPosition } from '../history.js'
import {
  LAYER_EXTENSIONS,
  assertOpen,
  channelFull,
  requireMessage,
  requireValidGroupName,
} from '../layer-checks.js'
import type { LayerPresence, PresenceEvent } from '../presence.js'
import { RedisShard, shardFor } from './connection.js'
import { LayerWarnings } from './layer-warnings.js'
import { LocalChannels } from './local-channels.js'
import { resolveRedisOptions, type RedisChannelLayerOptions, type ResolvedRedisOptions } from './options.js'
import { isConnectionError } from './redis-errors.js'
import { RedisHistory, type HistoryRead } from './redis-history.js'
import { RedisPresence } from './redis-presence.js'
import { WireFormat, type WireFormatOptions } from './wire-format.js'

type LayerName = 'RedisChannelLayer' | 'RedisPubSubChannelLayer'

/**
 * A change in a Redis layer's connection to one host: `down` once per
 * outage, `up` when the host answers again (a reconnect), with how long it
 * was gone.
 */
export type RedisConnectionEvent =
  | { readonly kind: 'down'; readonly host: string; readonly reason: string }
  | { readonly kind: 'up'; readonly host: string; readonly downtimeMs: number }

/**
 * The shared part of `RedisChannelLayer` and `RedisPubSubChannelLayer`
 * (not exported on its own: use one of the two).
 */
export abstract class RedisLayerBase {
  /** Channels' extension names: this layer supports groups and flush, and history and presence. */
  readonly extensions = LAYER_EXTENSIONS
  /** Who is present in which group, across every process on these Redis servers. */
  readonly presence: LayerPresence
  /** The same, with what the layer itself calls (heartbeat, close). @internal */
  protected readonly presenceStore: RedisPresence
  /** The part of this process's channel names that identifies it (`specific.<client>!…`). */
  readonly clientId = randomBytes(9).toString('base64url')
  /** @internal */
  protected readonly options: ResolvedRedisOptions
  /** @internal */
  protected readonly shards: readonly RedisShard[]
  /** @internal */
  protected readonly wire: WireFormat
  /** This process's channels and their buffers. @internal */
  protected readonly local: LocalChannels
  /** @internal */
  protected readonly warnings: LayerWarnings
  /** The groups' histories in Redis. @internal */
  protected readonly history: RedisHistory
  /** @internal */
  protected closed = false
  readonly #name: LayerName
  /** Whether any group has a history rule. */
  readonly #hasHistory: boolean
  readonly #watchers = new Set<(event: RedisConnectionEvent) => void>()
  /** msgpack without prefix or encryption: local deliveries get a decoded copy, as remote ones do. */
  readonly #plain = new WireFormat({ randomPrefixLength: 0 })

  /**
   * @param name - The layer's class name, for messages.
   * @param options - What the user passed.
   * @param wire - The layer's wire format, given its resolved options.
   */
  protected constructor(
    name: LayerName,
    options: RedisChannelLayerOptions | undefined,
    wire: (resolved: {
      randomPrefixLength: number
      expiry: number
    }) => Omit<WireFormatOptions, 'symmetricEncryptionKeys'>,
  ) {
    const resolved = resolveRedisOptions(options, name)
    this.#name = name
    this.#hasHistory = resolved.history.length > 0
    this.options = resolved
    this.warnings = new LayerWarnings(name)
    this.wire = new WireFormat({
      symmetricEncryptionKeys: resolved.symmetricEncryptionKeys,
      ...wire(resolved),
    })
    this.local = new LocalChannels((channel) => this.capacityOf(channel), resolved.expiry * 1000)
    const listener = {
      down: (shard: RedisShard, reason: string) => {
        this.down(shard, reason)
        this.#notify({ kind: 'down', host: shard.label, reason })
      },
      up: (shard: RedisShard, downtimeMs: number) => {
        this.up(shard, downtimeMs)
        this.#notify({ kind: 'up', host: shard.label, downtimeMs })
      },
    }
    this.shards = resolved.hosts.map(
      (host, index) => new RedisShard(host, index, resolved.connectTimeoutMs, listener),
    )
    const shardFor = (group: string): RedisShard => this.shardFor(group)
    this.history = new RedisHistory(
      resolved.prefix,
      resolved.history,
      resolved.symmetricEncryptionKeys,
      shardFor,
    )
    this.presence = this.presenceStore = new RedisPresence({
      prefix: resolved.prefix,
      ttlMs: resolved.presenceTtl * 1000,
      shardFor,
      announce: (group, event) => this.announce(group, event),
      assertOpen: (method) => this.assertOpen(method),
    })
  }

  /**
   * Sends `message` to every member of `group`, in this process and the
   * others. A group with a history rule gets the message appended to its
   * history too, with its position.
   */
  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.assertOpen('groupSend')
    requireValidGroupName(group)
    requireMessage(message)
    // Most groups have no history: without rules, no history code runs on this path.
    const rule = this.#hasHistory ? this.history.ruleFor(group) : undefined
    if (rule !== undefined) return this.sendToGroupWithHistory(group, rule, message)
    return this.sendToGroup(group, message)
  }

  /** Sends `message` to `group`'s members, outside any history. @internal */
  protected abstract sendToGroup(group: string, message: LayerMessage): Promise<void>

  /** Appends `message` to `group`'s history and sends it, with its position, to the members. @internal */
  protected abstract sendToGroupWithHistory(
    group: string,
    rule: HistoryRule,
    message: LayerMessage,
  ): Promise<void>

  /** Sends a presence event to `group`'s members, outside its history. @internal */
  protected async announce(group: string, event: PresenceEvent): Promise<void> {
    if (!this.closed) await this.sendToGroup(group, event)
  }

  /**
   * A `groupAdd` with history: `join` makes the membership; for a channel
   * of this process rejoining with `since`, the group's live messages are
   * held from before the join until the history after `since` has been
   * read and put on the channel, and those the history already gave are
   * dropped (join, read, then deliver only what is newer: no gap, no
   * duplicate). When Redis cannot be reached the join still counts, with
   * `recovered: false`.
   *
   * @internal
   */
  protected async joinGroup(
    group: string,
    channel: string,
    since: StreamPosition | undefined,
    join: () => Promise<void>,
  ): Promise<GroupJoin> {
    const rule = this.history.ruleFor(group)
    if (rule === undefined) {
      await join()
      return NO_HISTORY
    }
    const seam = since !== undefined && this.local.has(channel)
    if (seam) this.local.hold(channel, group)
    let read: HistoryRead = RedisHistory.unavailable()
    try {
      await join()
      read = await this.history.read(group, rule, seam ? since : undefined)
    } catch (error) {
      if (!isConnectionError(error)) {
        if (seam) this.local.release(channel, group, undefined, -1)
        throw error
      }
    }
    if (seam) this.local.release(channel, group, read.messages, read.join.offset, read.join.epoch)
    return read.join
  }

  /**
   * Whether every Redis host's connections are up right now (commands, and
   * the subscriber of a pub/sub layer): what a readiness probe asks. False
   * before the first connection is made.
   */
  get isReachable(): boolean {
    return !this.closed && this.shards.every((shard) => shard.isReachable)
  }

  /**
   * Calls `listener` on each outage and recovery of a Redis host (metrics
   * count reconnects with it). Returns the function that stops the calls.
   *
   * @example
   * ```ts
   * const layer = new RedisChannelLayer({ hosts: ['redis://localhost:6379'] })
   * const stop = layer.watchConnections((event) => console.log(event.kind, event.host))
   * stop()
   * ```
   */
  watchConnections(listener: (event: RedisConnectionEvent) => void): () => void {
    this.#watchers.add(listener)
    return () => void this.#watchers.delete(listener)
  }

  #notify(event: RedisConnectionEvent): void {
    for (const watcher of this.#watchers) {
      try {
        watcher(event)
      } catch {
        // An observer's bug must not break the layer's own outage handling.
      }
    }
  }

  /** @internal */
  down(shard: RedisShard, reason: string): void {
    this.warnings.outage(shard.label, reason)
  }

  /** @internal */
  abstract up(shard: RedisShard, downtimeMs: number): void

  /** Throws `LayerClosed` once the layer is closed. @internal */
  protected assertOpen(method: string): void {
    assertOpen(this.closed, this.#name, method)
  }

  /** @internal */
  protected shardFor(name: string): RedisShard {
    return shardFor(this.shards, name)
  }

  /** @internal */
  protected capacityOf(channel: string): number {
    return capacityFor(channel, this.options.channelCapacity, this.options.capacity)
  }

  /** @internal */
  protected full(channel: string): ChannelFull {
    return channelFull(channel, this.capacityOf(channel))
  }

  /** A decoded copy of `message`, exactly what a receiver in another process would get. @internal */
  protected copy(message: LayerMessage): LayerMessage {
    return this.#plain.decode(this.#plain.encode(message))!.message
  }
}
