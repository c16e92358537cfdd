/**
 * `DjangoSignedCookieSessionStore`: Django's `signed_cookies` session
 * engine, where the cookie holds the session itself.
 *
 * @module
 */

import { ReadOnlyStore } from '../errors.js'
import { DEFAULT_SESSION_AGE } from '../sessions/session.js'
import type { SessionData, SessionStore } from '../sessions/session-store.js'
import { warn } from '../util/warnings.js'
import { dumps, loads } from './signing.js'
import type { SecretKey } from './signing.js'

/** Options of `DjangoSignedCookieSessionStore`. */
export interface DjangoSignedCookieSessionStoreOptions {
  /** Django's `SECRET_KEY`. @default the `secretKey` setting */
  secretKey?: SecretKey
  /** Django's `SECRET_KEY_FALLBACKS`. @default the `secretKeyFallbacks` setting */
  secretKeyFallbacks?: readonly SecretKey[]
  /** Django's `SESSION_COOKIE_AGE`: older cookies are refused. @default 1209600 */
  cookieAge?: number
  /** Let tschannels issue session cookies (logins) that Django reads. @default false */
  writable?: boolean
  /** The clock, in ms; tests pass their own. @default Date.now */
  now?: () => number
  /** The largest cookie accepted, in characters. @default 8192 */
  maxBytes?: number
}

const SALT = 'django.contrib.sessions.backends.signed_cookies'

/**
 * Reads Django's `signed_cookies` sessions: the cookie is the session,
 * signed by `signing.dumps(…, salt='django.contrib.sessions.backends.signed_cookies',
 * compress=True)` and valid for `SESSION_COOKIE_AGE`. With `writable`,
 * `save()` makes cookies Django reads.
 *
 * @example
 * ```ts
 * const sessions = new DjangoSignedCookieSessionStore({ cookieAge: 1_209_600 })
 * ```
 */
export class DjangoSignedCookieSessionStore implements SessionStore {
  readonly readOnly: boolean
  readonly #keys: { key?: SecretKey; fallbackKeys?: readonly SecretKey[] }
  readonly #age: number
  readonly #now: () => number
  readonly #maxBytes: number
  #warned = false

  constructor(options: DjangoSignedCookieSessionStoreOptions = {}) {
    this.readOnly = options.writable !== true
    this.#keys = {
      ...(options.secretKey !== undefined ? { key: options.secretKey } : {}),
      ...(options.secretKeyFallbacks !== undefined ? { fallbackKeys: options.secretKeyFallbacks } : {}),
    }
    this.#age = options.cookieAge ?? DEFAULT_SESSION_AGE
    this.#now = options.now ?? Date.now
    this.#maxBytes = options.maxBytes ?? 8192
  }

  async load(key: string): Promise<SessionData | null> {
    if (typeof key !== 'string' || key.length > this.#maxBytes || !key.includes(':')) return null
    try {
      const data = loads<unknown>(key, { salt: SALT, maxAge: this.#age, now: this.#now, ...this.#keys })
      if (typeof data === 'object' && data !== null && !Array.isArray(data)) return data as SessionData
    } catch (error) {
      // An expired cookie is ordinary; anything else is worth one warning.
      if ((error as { code?: string }).code === 'CHANNELS_ERR_SIGNATURE_EXPIRED') return null
    }
    if (!this.#warned) {
      this.#warned = true
      warn(
        'CHANNELS_WRN_023',
        "A Django signed_cookies session could not be read; check that SECRET_KEY matches the Django site's.",
      )
    }
    return null
  }

  async save(_key: string | null, data: SessionData, _expiresAt: Date): Promise<string> {
    if (this.readOnly) {
      throw new ReadOnlyStore(
        "Django's signed-cookie sessions are read-only here; pass { writable: true } to let tschannels issue them.",
      )
    }
    return dumps(data, {
      salt: SALT,
      compress: true,
      now: this.#now,
      ...(this.#keys.key ? { key: this.#keys.key } : {}),
    })
  }

  // Nothing is kept on the server: dropping the cookie ends the session.
  async delete(_key: string): Promise<void> {}

  async clearExpired(): Promise<number> {
    return 0
  }

  async close(): Promise<void> {}
}
