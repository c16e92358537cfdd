/**
 * `tschannels/redis`: the Redis session store, rate-limit store and
 * refresh-token store, which hold across processes. Importing it loads
 * `ioredis` (but not `jose`).
 *
 * @module
 */

export { RedisSessionStore } from './sessions/stores/redis-session-store.js'
export type { RedisSessionStoreOptions } from './sessions/stores/redis-session-store.js'
export { RedisRateLimitStore } from './security/stores/redis-rate-limit-store.js'
export type { RedisRateLimitStoreOptions } from './security/stores/redis-rate-limit-store.js'
export { RedisConnectionSlots } from './security/stores/redis-connection-slots.js'
export type { RedisConnectionSlotsOptions } from './security/stores/redis-connection-slots.js'
export { RedisRefreshTokenStore } from './auth/jwt/redis-refresh-token-store.js'
export type { RedisRefreshTokenStoreOptions } from './auth/jwt/redis-refresh-token-store.js'
