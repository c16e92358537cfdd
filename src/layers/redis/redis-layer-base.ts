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
import { LAYER_EXTENSIONS, assertOpen, channelFull } from '../layer-checks.js'
import { RedisShard, shardFor } from './connection.js'
import { LayerWarnings } from './layer-warnings.js'
import { LocalChannels } from './local-channels.js'
import { resolveRedisOptions, type RedisChannelLayerOptions, type ResolvedRedisOptions } from './options.js'
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
  /** Channels' extension names: this layer supports groups and flush. */
  readonly extensions = LAYER_EXTENSIONS
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
  /** @internal */
  protected closed = false
  readonly #name: LayerName
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
  }

  /**
   * Whether every Redis host's command connection is up right now: what a
   * readiness probe asks. False before the first connection is made.
   */
  get isReachable(): boolean {
    return !this.closed && this.shards.every((shard) => shard.isUp)
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
