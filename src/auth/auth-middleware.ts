/**
 * `AuthMiddleware` and `AuthMiddlewareStack`: `scope.user` from the session,
 * as Channels' `channels.auth`.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import { SessionMiddlewareStack } from '../sessions/session-middleware.js'
import type { SessionMiddlewareOptions } from '../sessions/session-middleware.js'
import type { Application, Scope } from '../types.js'
import { USER_STORE, defaultUserStore } from './default-user-store.js'
import { LazyUser } from './lazy-user.js'
import { getUser } from './session-auth.js'
import type { UserStore } from './user-store.js'
import { neverThrowing } from '../util/never-throwing.js'

/** Options of `AuthMiddleware`. */
export interface AuthMiddlewareOptions {
  /** Where users are looked up. @default the `userStore` setting, else an in-memory store */
  users?: UserStore
}

/**
 * Adds `scope.user`, a `LazyUser` that resolves to the session's user (or
 * the `AnonymousUser`) on first `await`, checked with `getUser()`. Needs
 * `SessionMiddleware` outside it. A `scope.user` already set by an outer
 * middleware (a token middleware) is kept.
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(routes))),
 * })
 * ```
 */
export function AuthMiddleware(inner: Application, options: AuthMiddlewareOptions = {}): Application {
  assertApplication(inner, 'AuthMiddleware(inner)')
  if (options.users !== undefined && typeof options.users?.getById !== 'function') {
    throw new ImproperlyConfigured('AuthMiddleware users must implement UserStore.')
  }
  return neverThrowing(function AuthMiddleware(scope, receive, send) {
    if (scope.type === 'channel') return inner(scope, receive, send)
    if (scope.session === undefined) {
      throw new ImproperlyConfigured(
        'AuthMiddleware found no scope.session: SessionMiddleware must be above it (or use AuthMiddlewareStack).',
      )
    }
    const users = options.users ?? defaultUserStore()
    const copy: Scope & { [USER_STORE]?: UserStore } = { ...scope, [USER_STORE]: users }
    if (scope.user === undefined) {
      // Set on the copy after it exists, because the loader reads the copy's session.
      ;(copy as { user?: LazyUser }).user = new LazyUser(() => getUser(copy, users))
    }
    return inner(copy, receive, send)
  })
}

/** Options of `AuthMiddlewareStack`: the session options and the auth options together. */
export interface AuthMiddlewareStackOptions extends SessionMiddlewareOptions, AuthMiddlewareOptions {}

/**
 * `CookieMiddleware(SessionMiddleware(AuthMiddleware(inner)))`, as Channels'
 * `AuthMiddlewareStack`.
 *
 * @example
 * ```ts
 * ProtocolTypeRouter({ websocket: AuthMiddlewareStack(URLRouter(routes), { users: new SqliteUserStore({ filename: 'db.sqlite3' }) }) })
 * ```
 */
export function AuthMiddlewareStack(
  inner: Application,
  options: AuthMiddlewareStackOptions = {},
): Application {
  const { users, ...sessionOptions } = options
  return SessionMiddlewareStack(AuthMiddleware(inner, users !== undefined ? { users } : {}), sessionOptions)
}
