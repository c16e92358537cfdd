/**
 * `SignedCookieSessionStore`: the session travels in the cookie itself,
 * signed with the secret key, as Django's `signed_cookies` engine.
 *
 * @module
 */

import { createHmac, timingSafeEqual } from 'node:crypto'

import { ImproperlyConfigured } from '../errors.js'
import { requireSecretKey } from '../settings.js'
import type { SessionData, SessionStore } from './session-store.js'

/** Options of `SignedCookieSessionStore`. */
export interface SignedCookieSessionStoreOptions {
  /** The key that signs cookies. @default the `secretKey` setting (`SECRET_KEY`) */
  secretKey?: string
  /** Separates these signatures from any other use of the same secret. @default 'tschannels.sessions.signed-cookie' */
  salt?: string
  /** The largest cookie value accepted or produced, in bytes; browsers drop cookies over ~4 KB. @default 4000 */
  maxBytes?: number
}

interface Payload {
  d: SessionData
  e: number
}

/**
 * Stores nothing on the server: `save()` returns the data, its expiry and an
 * HMAC-SHA256 signature as the new "key", which the session middleware puts
 * in the cookie. The client can read the data (it is signed, not
 * encrypted), so keep secrets out of it; a session cannot be revoked before
 * it expires except by changing the secret key or, for logins, the password.
 *
 * It cannot carry a WebSocket login to the browser, because a WebSocket
 * cannot set a cookie after the handshake; use a server-side store there.
 *
 * @example
 * ```ts
 * const app = SessionMiddlewareStack(router, { store: new SignedCookieSessionStore() })
 * ```
 */
export class SignedCookieSessionStore implements SessionStore {
  readonly #key: Buffer
  readonly #maxBytes: number

  constructor(options: SignedCookieSessionStoreOptions = {}) {
    const secret = options.secretKey ?? requireSecretKey('SignedCookieSessionStore')
    const salt = options.salt ?? 'tschannels.sessions.signed-cookie'
    this.#maxBytes = options.maxBytes ?? 4000
    if (!Number.isInteger(this.#maxBytes) || this.#maxBytes < 100) {
      throw new ImproperlyConfigured(`SignedCookieSessionStore maxBytes must be an integer of at least 100.`)
    }
    // A key derived per salt, so a signature made for one purpose never verifies for another.
    this.#key = createHmac('sha256', secret).update(salt).digest()
  }

  async load(key: string): Promise<SessionData | null> {
    if (typeof key !== 'string' || key.length > this.#maxBytes) return null
    const dot = key.lastIndexOf('.')
    if (dot <= 0) return null
    const body = key.slice(0, dot)
    const given = Buffer.from(key.slice(dot + 1), 'base64url')
    const expected = this.#sign(body)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
    let payload: Payload
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload
    } catch {
      return null
    }
    if (typeof payload?.e !== 'number' || payload.e <= Date.now() || typeof payload.d !== 'object')
      return null
    return payload.d
  }

  async save(_key: string | null, data: SessionData, expiresAt: Date): Promise<string> {
    const payload: Payload = { d: data, e: expiresAt.getTime() }
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
    const value = `${body}.${this.#sign(body).toString('base64url')}`
    if (value.length > this.#maxBytes) {
      throw new ImproperlyConfigured(
        `The session is ${value.length} bytes once signed, over SignedCookieSessionStore's maxBytes ` +
          `(${this.#maxBytes}); keep less in the session or use a server-side store.`,
      )
    }
    return value
  }

  async delete(_key: string): Promise<void> {}

  async clearExpired(): Promise<number> {
    return 0
  }

  async close(): Promise<void> {}

  #sign(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body).digest()
  }
}
