/**
 * WebSocket security: origin validation, CSRF, rate limits, connection caps
 * and permissions.
 *
 * @module
 */

export { OriginValidator, AllowedHostsOriginValidator, DEBUG_LOCAL_HOSTS } from './origin-validator.js'
export { WebsocketCsrfMiddleware } from './csrf-middleware.js'
export type { WebsocketCsrfMiddlewareOptions } from './csrf-middleware.js'
export { getCsrfToken, checkCsrfToken, CSRF_SESSION_KEY } from './csrf-token.js'
export { RateLimitMiddleware, RATE_LIMIT_CLOSE_CODE } from './rate-limit-middleware.js'
export type { RateLimitOptions } from './rate-limit-middleware.js'
export type { RateLimitStore, TokenBucket, TakeResult } from './rate-limit-store.js'
export { InMemoryRateLimitStore } from './memory-rate-limit-store.js'
export { ConnectionCapMiddleware } from './connection-cap-middleware.js'
export type { ConnectionCapOptions } from './connection-cap-middleware.js'
export { InMemoryConnectionSlots } from './connection-slots.js'
export type { ConnectionSlot, ConnectionSlotStore } from './connection-slots.js'
export { groupPermissions, isAuthenticated, allowAny, denyAll } from './permissions.js'
export type { GroupPermissions, PermissionCheck, PermissionRule } from './permissions.js'
