/**
 * `CookieMiddleware`: parses the `Cookie` header into `scope.cookies`.
 *
 * @module
 */

import { parseCookie } from 'cookie'

import { assertApplication } from '../routing/assert-application.js'
import type { Application, Headers } from '../types.js'
import { neverThrowing } from '../util/reject-with.js'

declare module '../types.js' {
  interface ScopeExtensions {
    /** Request cookies by name, set by `CookieMiddleware` (HTTP and WebSocket scopes). */
    readonly cookies?: Readonly<Record<string, string>>
  }
}

/**
 * Adds `scope.cookies`, the request's cookies by name, to HTTP and WebSocket
 * scopes, as Channels' `CookieMiddleware`. Several `Cookie` headers are
 * joined; the first value of a repeated name wins, like browsers send them
 * (most specific path first). Other scopes pass through untouched.
 *
 * @example
 * ```ts
 * const app = CookieMiddleware(async (scope, receive, send) => {
 *   const theme = scope.cookies?.theme ?? 'light'
 * })
 * ```
 */
export function CookieMiddleware(inner: Application): Application {
  assertApplication(inner, 'CookieMiddleware(inner)')
  return neverThrowing(function CookieMiddleware(scope, receive, send) {
    if (scope.type === 'channel') return inner(scope, receive, send)
    // A copy, so the cookies never show in the scope of outer middleware.
    return inner({ ...scope, cookies: parseCookies(scope.headers) }, receive, send)
  })
}

/**
 * The cookies of a request's headers, as `CookieMiddleware` parses them.
 * @internal
 */
export function parseCookies(headers: Headers): Readonly<Record<string, string>> {
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>
  for (const [name, value] of headers) {
    if (name !== 'cookie') continue
    const parsed = parseCookie(value)
    for (const [key, val] of Object.entries(parsed)) {
      if (val !== undefined && !(key in cookies)) cookies[key] = val
    }
  }
  return Object.freeze(cookies)
}
