/**
 * `setCookie` and `deleteCookie`: add a `Set-Cookie` header to a response
 * start event, as Channels' `CookieMiddleware.set_cookie`.
 *
 * @module
 */

import { stringifySetCookie } from 'cookie'

import { ImproperlyConfigured } from '../errors.js'
import type { HttpResponseStartEvent } from '../types.js'

/** Attributes of a `Set-Cookie` header. */
export interface CookieOptions {
  /** Lifetime in seconds (`Max-Age`, plus a matching `Expires`); omit for a browser-session cookie. @default undefined */
  maxAge?: number
  /** The `Domain` attribute; omit to bind the cookie to this host only. @default undefined */
  domain?: string
  /** The `Path` attribute. @default '/' */
  path?: string
  /** Send only over HTTPS. @default false */
  secure?: boolean
  /** Hide from page scripts (`document.cookie`). @default true */
  httpOnly?: boolean
  /** `SameSite`; `'none'` requires `secure`. @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none'
}

/**
 * Returns a copy of `message` with a `Set-Cookie` header for `name=value`.
 * Safe defaults: `Path=/`, `HttpOnly`, `SameSite=Lax`.
 *
 * @example
 * ```ts body=HttpConsumer
 * await this.baseSend(setCookie({ type: 'http.response.start', status: 200 }, 'theme', 'dark', { maxAge: 86400 }))
 * ```
 */
export function setCookie(
  message: HttpResponseStartEvent,
  name: string,
  value: string,
  options: CookieOptions = {},
): HttpResponseStartEvent {
  return {
    ...message,
    headers: [...(message.headers ?? []), ['set-cookie', serializeCookie(name, value, options)]],
  }
}

/** Returns a copy of `message` with a `Set-Cookie` header that removes cookie `name`. */
export function deleteCookie(
  message: HttpResponseStartEvent,
  name: string,
  options: Pick<CookieOptions, 'domain' | 'path' | 'secure' | 'sameSite'> = {},
): HttpResponseStartEvent {
  return {
    ...message,
    headers: [
      ...(message.headers ?? []),
      ['set-cookie', serializeCookie(name, '', { ...options, maxAge: 0 })],
    ],
  }
}

/**
 * One `Set-Cookie` header value.
 * @internal
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const sameSite = options.sameSite ?? 'lax'
  if (sameSite === 'none' && options.secure !== true) {
    throw new ImproperlyConfigured(
      `A cookie with SameSite=None must also be Secure (browsers reject it otherwise).`,
    )
  }
  const maxAge = options.maxAge
  return stringifySetCookie(name, value, {
    path: options.path ?? '/',
    httpOnly: options.httpOnly ?? true,
    sameSite,
    ...(options.secure === true ? { secure: true } : {}),
    ...(options.domain !== undefined ? { domain: options.domain } : {}),
    ...(maxAge !== undefined ? { maxAge, expires: new Date(Date.now() + maxAge * 1000) } : {}),
  })
}
