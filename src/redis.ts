/**
 * `tschannels/redis`: everything that runs on Redis, in one entry point:
 * the channel layers (`RedisChannelLayer`, `RedisPubSubChannelLayer`,
 * wire-compatible with `channels_redis`) and the stores that hold across
 * processes (sessions, rate limits, refresh tokens). Importing it loads
 * `ioredis` (but not `jose`) and registers the layer backends `redis` and
 * `redis-pubsub` for `configureChannelLayers`.
 *
 * `tschannels/layers/redis` is the same layers under their older path, and
 * keeps working.
 *
 * @example
 * ```ts
 * import { configureChannelLayers } from 'tschannels'
 * import { RedisRateLimitStore } from 'tschannels/redis'
 *
 * configureChannelLayers({ default: { backend: 'redis', options: { hosts: ['redis://localhost:6379'] } } })
 * const limits = new RedisRateLimitStore()
 * ```
 *
 * @module
 */

export {
  RedisChannelLayer,
  RedisPubSubChannelLayer,
  type RedisAddressHost,
  type RedisChannelLayerOptions,
  type RedisHost,
  type RedisLayerCommonOptions,
  type RedisPubSubChannelLayerOptions,
  type RedisSentinelHost,
} from './layers/redis/index.js'
export { RedisSessionStore } from './sessions/stores/redis-session-store.js'
export type { RedisSessionStoreOptions } from './sessions/stores/redis-session-store.js'
export { RedisRateLimitStore } from './security/stores/redis-rate-limit-store.js'
export type { RedisRateLimitStoreOptions } from './security/stores/redis-rate-limit-store.js'
export { RedisConnectionSlots } from './security/stores/redis-connection-slots.js'
export type { RedisConnectionSlotsOptions } from './security/stores/redis-connection-slots.js'
export { RedisRefreshTokenStore } from './auth/jwt/redis-refresh-token-store.js'
export type { RedisRefreshTokenStoreOptions } from './auth/jwt/redis-refresh-token-store.js'
