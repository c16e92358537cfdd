/**
 * The session and cookie options `SessionMiddleware` and `SessionHandoff`
 * share (Django's `SESSION_*` settings), and their checks.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { getSettings } from '../settings.js'
import type { Settings } from '../settings.js'
import { DEFAULT_SESSION_AGE } from './session.js'
import type { SessionStore } from './session-store.js'
import type { CookieOptions } from './set-cookie.js'

/** Options of `SessionMiddleware`, Django's `SESSION_*` settings. */
export interface SessionMiddlewareOptions {
  /** Where sessions live. @default the `sessionStore` setting, else an in-memory store for the process */
  store?: SessionStore
  /** The cookie's name (`SESSION_COOKIE_NAME`). @default 'sessionid' */
  cookieName?: string
  /** Session lifetime in seconds, for the cookie and the store (`SESSION_COOKIE_AGE`). @default 1209600 (two weeks) */
  cookieAge?: number
  /** `Domain` of the cookie (`SESSION_COOKIE_DOMAIN`). @default undefined (this host only) */
  cookieDomain?: string
  /** `Path` of the cookie (`SESSION_COOKIE_PATH`). @default '/' */
  cookiePath?: string
  /**
   * Mark the cookie `Secure`, so browsers send it over HTTPS only
   * (`SESSION_COOKIE_SECURE`). `'auto'`: Secure when the request arrived
   * over HTTPS (`scope.scheme`; behind a proxy the server takes it from
   * `X-Forwarded-Proto` with `--proxy-headers`).
   * @default the `sessionCookieSecure` setting, itself 'auto'
   */
  cookieSecure?: boolean | 'auto'
  /** Hide the cookie from page scripts (`SESSION_COOKIE_HTTPONLY`). @default true */
  cookieHttpOnly?: boolean
  /** `SameSite` of the cookie (`SESSION_COOKIE_SAMESITE`). @default 'lax' */
  cookieSameSite?: 'lax' | 'strict' | 'none'
  /** Save and send the cookie on every HTTP response, not only when modified (`SESSION_SAVE_EVERY_REQUEST`). @default false */
  saveEveryRequest?: boolean
  /** End the session when the browser closes: no `Max-Age` (`SESSION_EXPIRE_AT_BROWSER_CLOSE`). @default false */
  expireAtBrowserClose?: boolean
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** @internal */
export interface ResolvedSessionOptions {
  cookieName: string
  cookieAge: number
  /** The cookie's attributes but `secure` and `maxAge`, which depend on the response (`sessionCookie()`). */
  cookie: CookieOptions
  /** `undefined`: the `sessionCookieSecure` setting decides, when the cookie is set. */
  secure: boolean | 'auto' | undefined
  saveEveryRequest: boolean
  expireAtBrowserClose: boolean
}

/**
 * Checks and completes the session options.
 * @internal
 */
export function resolveSessionOptions(options: SessionMiddlewareOptions): ResolvedSessionOptions {
  const cookieName = options.cookieName ?? 'sessionid'
  if (!COOKIE_NAME.test(cookieName)) {
    throw new ImproperlyConfigured(`SessionMiddleware cookieName '${cookieName}' is not a valid cookie name.`)
  }
  const cookieAge = options.cookieAge ?? DEFAULT_SESSION_AGE
  if (!Number.isInteger(cookieAge) || cookieAge <= 0) {
    throw new ImproperlyConfigured(`SessionMiddleware cookieAge must be a positive whole number of seconds.`)
  }
  const sameSite = options.cookieSameSite ?? 'lax'
  if (!['lax', 'strict', 'none'].includes(sameSite)) {
    throw new ImproperlyConfigured(`SessionMiddleware cookieSameSite must be 'lax', 'strict' or 'none'.`)
  }
  const secure = options.cookieSecure
  if (secure !== undefined && secure !== true && secure !== false && secure !== 'auto') {
    throw new ImproperlyConfigured(`SessionMiddleware cookieSecure must be true, false or 'auto'.`)
  }
  if (sameSite === 'none' && secure !== true) {
    throw new ImproperlyConfigured(`SessionMiddleware cookieSameSite 'none' needs cookieSecure: true.`)
  }
  if (options.store !== undefined && typeof options.store?.load !== 'function') {
    throw new ImproperlyConfigured(
      `SessionMiddleware store must implement SessionStore (load, save, delete).`,
    )
  }
  return {
    cookieName,
    cookieAge,
    saveEveryRequest: options.saveEveryRequest ?? false,
    expireAtBrowserClose: options.expireAtBrowserClose ?? false,
    secure,
    cookie: {
      path: options.cookiePath ?? '/',
      httpOnly: options.cookieHttpOnly ?? true,
      sameSite,
      ...(options.cookieDomain !== undefined ? { domain: options.cookieDomain } : {}),
    },
  }
}

/**
 * The attributes of the session cookie in a response to `scope`: `Secure`
 * as `cookieSecure` (or else the setting) says, `'auto'` reading the
 * scheme; `Max-Age` unless the cookie ends with the browser.
 * @internal
 */
export function sessionCookie(
  config: ResolvedSessionOptions,
  scope: { readonly scheme: string },
  settings: Readonly<Settings> = getSettings(),
): CookieOptions {
  const mode = config.secure ?? settings.sessionCookieSecure
  const secure = mode === 'auto' ? scope.scheme === 'https' || scope.scheme === 'wss' : mode
  const cookie = { ...config.cookie, secure }
  return config.expireAtBrowserClose ? cookie : { ...cookie, maxAge: config.cookieAge }
}
