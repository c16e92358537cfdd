/**
 * Sessions: cookie and session middleware, the session object and the
 * stores that need no extra package.
 *
 * @module
 */

export { CookieMiddleware } from './cookie-middleware.js'
export { SessionMiddleware, SessionMiddlewareStack } from './session-middleware.js'
export type { SessionMiddlewareOptions } from './session-middleware.js'
export { Session, DEFAULT_SESSION_AGE } from './session.js'
export type { SessionData, SessionStore } from './session-store.js'
export { InMemorySessionStore } from './memory-store.js'
export type { InMemorySessionStoreOptions } from './memory-store.js'
export { SignedCookieSessionStore } from './signed-cookie-store.js'
export type { SignedCookieSessionStoreOptions } from './signed-cookie-store.js'
export { createSessionHandoff, SessionHandoff } from './session-handoff.js'
export type { SessionHandoffCodeOptions } from './session-handoff.js'
export { setCookie, deleteCookie } from './set-cookie.js'
export type { CookieOptions } from './set-cookie.js'
