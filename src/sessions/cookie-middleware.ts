/**
 * `CookieMiddleware`: parses the `Cookie` header into `scope.cookies`.
 *
 * @module
 */

import { parseCookie } from 'cookie'

import { assertApplication } from '../routing/assert-application.js'
import type { Application, HeaderPairs } from '../types.js'
import { neverThrowing } from '../util/never-throwing.js'

declare module '../types.js' {
  interface BuiltinScopeFields {
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

/** The cookies of every request that sent none: one frozen object for all of them. */
const NO_COOKIES: Readonly<Record<string, string>> = Object.freeze(
  Object.setPrototypeOf({}, null) as Record<string, string>,
)

/**
 * The cookies of a request's headers, as `CookieMiddleware` parses them.
 * @internal
 */
export function parseCookies(headers: HeaderPairs): Readonly<Record<string, string>> {
  let cookies: Record<string, string> | null = null
  for (const [name, value] of headers) {
    if (name !== 'cookie') continue
    const parsed = parseCookie(value)
    for (const [key, val] of Object.entries(parsed)) {
      if (val === undefined) continue
      cookies ??= {}
      // defineProperty, so a cookie named `__proto__` is a cookie and not a prototype.
      if (!Object.hasOwn(cookies, key)) {
        Object.defineProperty(cookies, key, {
          value: val,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
    }
  }
  if (cookies === null) return NO_COOKIES
  // No prototype, so `toString` or `constructor` is only ever a cookie. Taken
  // away after the properties are set, the object keeps V8's compact layout,
  // where `Object.create(null)` starts as a hash table of about 200 bytes,
  // held for as long as a WebSocket stays open.
  return Object.freeze(Object.setPrototypeOf(cookies, null) as Record<string, string>)
}
