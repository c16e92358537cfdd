/**
 * CSRF tokens for WebSocket connects: a secret kept in the session, and
 * tokens derived from it that differ on every call.
 *
 * @module
 */

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

import { ImproperlyConfigured } from '../errors.js'
import type { Session } from '../sessions/session.js'
import type { Scope } from '../types.js'

/** The session key holding the CSRF secret; `login()` removes it so a token seen before login stops working. */
export const CSRF_SESSION_KEY = '_csrf_secret'

/**
 * A CSRF token for the scope's session, to embed in the page that opens the
 * WebSocket. Creates the session's secret on first use (over HTTP the
 * session middleware then saves it). Each call returns a different token,
 * all valid, so a compressed page never repeats one (BREACH).
 *
 * @example
 * ```ts body=HttpConsumer
 * // In the HTTP consumer that serves the page:
 * const page = '<form><input type="hidden" name="csrf" value="{{csrf}}"></form>'
 * const token = getCsrfToken(this.scope)
 * await this.sendResponse(200, page.replace('{{csrf}}', token))
 * ```
 */
export function getCsrfToken(scope: Scope): string {
  const session = sessionOf(scope)
  let secret = session.get<string>(CSRF_SESSION_KEY)
  if (typeof secret !== 'string') {
    secret = randomBytes(32).toString('base64url')
    session.set(CSRF_SESSION_KEY, secret)
  }
  const nonce = randomBytes(16).toString('base64url')
  return `${nonce}.${sign(secret, nonce)}`
}

/** Whether `token` was made by `getCsrfToken()` for this session; constant time. */
export function checkCsrfToken(session: Session, token: unknown): boolean {
  const secret = session.get<unknown>(CSRF_SESSION_KEY)
  if (typeof secret !== 'string' || typeof token !== 'string' || token.length > 200) return false
  const dot = token.indexOf('.')
  if (dot <= 0) return false
  const expected = Buffer.from(sign(secret, token.slice(0, dot)))
  const given = Buffer.from(token.slice(dot + 1))
  return expected.length === given.length && timingSafeEqual(expected, given)
}

function sign(secret: string, nonce: string): string {
  return createHmac('sha256', secret).update(nonce).digest('base64url')
}

function sessionOf(scope: Scope): Session {
  const session = scope.type === 'channel' ? undefined : scope.session
  if (session === undefined) {
    throw new ImproperlyConfigured(
      'CSRF tokens live in the session; wrap the application in SessionMiddlewareStack.',
    )
  }
  return session
}
