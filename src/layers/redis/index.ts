/**
 * `tschannels/layers/redis` (also part of `tschannels/redis`): the Redis
 * channel layers, wire-compatible with Python's `channels_redis`
 * 4.x: `RedisChannelLayer` (the core layer) and `RedisPubSubChannelLayer`.
 *
 * Importing this module registers the backends `redis` and `redis-pubsub`,
 * so `configureChannelLayers({ default: { backend: 'redis', options } })`
 * works; it is a subpath of its own so that `tschannels` alone never loads
 * ioredis.
 *
 * @module
 */

import { registerLayerBackend } from '../registry.js'
import { RedisChannelLayer } from './core-layer.js'
import type { RedisChannelLayerOptions, RedisPubSubChannelLayerOptions } from './options.js'
import { RedisPubSubChannelLayer } from './pubsub-layer.js'

export { RedisChannelLayer } from './core-layer.js'
export { RedisPubSubChannelLayer } from './pubsub-layer.js'
export type { RedisConnectionEvent } from './redis-layer-base.js'
export type {
  RedisAddressHost,
  RedisChannelLayerOptions,
  RedisHost,
  RedisLayerCommonOptions,
  RedisPubSubChannelLayerOptions,
  RedisSentinelHost,
} from './options.js'

declare module '../registry.js' {
  interface LayerBackendOptions {
    redis: RedisChannelLayerOptions
    'redis-pubsub': RedisPubSubChannelLayerOptions
  }
}

registerLayerBackend('redis', (options) => new RedisChannelLayer(options))
registerLayerBackend('redis-pubsub', (options) => new RedisPubSubChannelLayer(options))
