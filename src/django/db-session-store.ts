/**
 * `DjangoDbSessionStore`: the `django_session` table of Django's `db` and
 * `cached_db` session engines, read as Django reads it and, only when the
 * database is writable, written as Django writes it.
 *
 * @module
 */

import { randomInt } from 'node:crypto'

import { ImproperlyConfigured, ReadOnlyStore } from '../errors.js'
import type { SessionData, SessionStore } from '../sessions/session-store.js'
import { warn } from '../util/warnings.js'
import { identifier, toDate } from './database.js'
import type { DjangoDatabase } from './database.js'
import { dumps, loads } from './signing.js'
import type { SecretKey } from './signing.js'

/** Options of `DjangoDbSessionStore`. */
export interface DjangoDbSessionStoreOptions {
  /** The Django site's database; writes need it opened `writable`. */
  database: DjangoDatabase
  /** Which engine Django uses: both keep every session in the table. @default 'db' */
  engine?: 'db' | 'cached_db'
  /** The session table. @default 'django_session' */
  table?: string
  /** Django's `SECRET_KEY`. @default the `secretKey` setting */
  secretKey?: SecretKey
  /** Django's `SECRET_KEY_FALLBACKS`. @default the `secretKeyFallbacks` setting */
  secretKeyFallbacks?: readonly SecretKey[]
  /**
   * For `cached_db` with a writable database: removes Django's cached copy of
   * a session (cache key `django.contrib.sessions.cached_db<key>`) after
   * tschannels rotated or deleted it, or Django would keep serving the copy.
   * @default undefined (required for writable `cached_db`)
   */
  invalidateCache?: (cacheKey: string) => Promise<void>
  /** The clock, in ms; tests pass their own. @default Date.now */
  now?: () => number
}

/** Django's session salt for the `db` and `cached_db` engines (`"django.contrib.sessions." + SessionStore.__qualname__`). */
const SESSION_SALT = 'django.contrib.sessions.SessionStore'
const CACHE_KEY_PREFIX = 'django.contrib.sessions.cached_db'
const KEY = /^[a-z0-9]{8,40}$/
const KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * Sessions in Django's `django_session` table. `load()` verifies and
 * decodes `session_data` (signed, zlib-compressed JSON) and honours
 * `expire_date`; a row it cannot read counts as no session (warning
 * `CHANNELS_WRN_023`, once). Read-only unless the database is writable:
 * then `save()` and `delete()` write rows Django reads, with keys in
 * Django's alphabet.
 *
 * @example
 * ```ts
 * const database = openDjangoDatabase({ url: process.env.DATABASE_URL })
 * const sessions = new DjangoDbSessionStore({ database })
 * ```
 */
export class DjangoDbSessionStore implements SessionStore {
  readonly readOnly: boolean
  readonly #db: DjangoDatabase
  readonly #table: string
  readonly #engine: 'db' | 'cached_db'
  readonly #keys: { key?: SecretKey; fallbackKeys?: readonly SecretKey[] }
  readonly #invalidate: ((cacheKey: string) => Promise<void>) | undefined
  readonly #now: () => number
  #warned = false

  constructor(options: DjangoDbSessionStoreOptions) {
    if (typeof options?.database?.query !== 'function') {
      throw new ImproperlyConfigured('DjangoDbSessionStore needs { database } from openDjangoDatabase().')
    }
    this.#db = options.database
    this.#engine = options.engine ?? 'db'
    this.#table = this.#db.quote(identifier(options.table ?? 'django_session', 'The session table'))
    this.readOnly = !this.#db.writable
    this.#keys = {
      ...(options.secretKey !== undefined ? { key: options.secretKey } : {}),
      ...(options.secretKeyFallbacks !== undefined ? { fallbackKeys: options.secretKeyFallbacks } : {}),
    }
    this.#invalidate = options.invalidateCache
    this.#now = options.now ?? Date.now
    if (this.#engine === 'cached_db' && !this.readOnly && this.#invalidate === undefined) {
      throw new ImproperlyConfigured(
        "Writing Django's cached_db sessions needs { invalidateCache }: without it Django keeps serving its cached " +
          'copy of a session tschannels rotated or deleted (a logout would not log out). See docs/django.md.',
      )
    }
  }

  async load(key: string): Promise<SessionData | null> {
    if (typeof key !== 'string' || !KEY.test(key)) return null
    const rows = await this.#db.query<{ session_data: unknown }>(
      `SELECT session_data FROM ${this.#table} WHERE session_key = ? AND expire_date > ?`,
      [key, new Date(this.#now())],
    )
    const text = rows[0]?.session_data
    if (text === undefined) return null
    try {
      const data = loads<unknown>(
        typeof text === 'string' ? text : Buffer.from(text as Uint8Array).toString(),
        { salt: SESSION_SALT, ...this.#keys },
      )
      if (typeof data === 'object' && data !== null && !Array.isArray(data)) return data as SessionData
    } catch {
      // Reported below; Django answers such a row with an empty session too.
    }
    this.#warnOnce()
    return null
  }

  async save(key: string | null, data: SessionData, expiresAt: Date): Promise<string> {
    this.#requireWritable('save a session')
    const text = dumps(data, {
      salt: SESSION_SALT,
      compress: true,
      ...(this.#keys.key ? { key: this.#keys.key } : {}),
    })
    const expires = expiryOf(data, expiresAt, this.#now())
    if (key !== null && KEY.test(key)) {
      const changed = await this.#db.execute(
        `UPDATE ${this.#table} SET session_data = ?, expire_date = ? WHERE session_key = ?`,
        [text, expires, key],
      )
      if (changed === 0) {
        await this.#db.execute(
          `INSERT INTO ${this.#table} (session_key, session_data, expire_date) VALUES (?, ?, ?)`,
          [key, text, expires],
        )
      }
      await this.#invalidate?.(CACHE_KEY_PREFIX + key)
      return key
    }
    for (;;) {
      const fresh = newDjangoSessionKey()
      try {
        await this.#db.execute(
          `INSERT INTO ${this.#table} (session_key, session_data, expire_date) VALUES (?, ?, ?)`,
          [fresh, text, expires],
        )
        return fresh
      } catch (error) {
        // A key collision (one in 36^32) is retried; anything else is real.
        const exists = await this.#db.query(`SELECT 1 AS one FROM ${this.#table} WHERE session_key = ?`, [
          fresh,
        ])
        if (exists.length === 0) throw error
      }
    }
  }

  async delete(key: string): Promise<void> {
    this.#requireWritable('delete a session')
    if (typeof key !== 'string' || !KEY.test(key)) return
    await this.#db.execute(`DELETE FROM ${this.#table} WHERE session_key = ?`, [key])
    await this.#invalidate?.(CACHE_KEY_PREFIX + key)
  }

  async clearExpired(): Promise<number> {
    // Django's `clearsessions` command owns the clean-up of its table.
    if (this.readOnly) return 0
    return this.#db.execute(`DELETE FROM ${this.#table} WHERE expire_date < ?`, [new Date(this.#now())])
  }

  async close(): Promise<void> {}

  #requireWritable(what: string): void {
    if (this.readOnly) {
      throw new ReadOnlyStore(
        `Django's sessions are read-only here, so tschannels cannot ${what}. Log in and out through Django, ` +
          'or open the database with { writable: true } to let tschannels write sessions as Django does.',
      )
    }
  }

  #warnOnce(): void {
    if (this.#warned) return
    this.#warned = true
    warn(
      'CHANNELS_WRN_023',
      `A Django session in ${this.#table} could not be read (bad signature or not JSON); it counts as no session. ` +
        "Check that SECRET_KEY matches the Django site's and that SESSION_SERIALIZER is Django's JSONSerializer.",
    )
  }
}

/**
 * A new session key as Django makes them: 32 characters of `a-z0-9`.
 * @internal
 */
export function newDjangoSessionKey(): string {
  let key = ''
  for (let i = 0; i < 32; i++) key += KEY_CHARS[randomInt(KEY_CHARS.length)]
  return key
}

/** Django keeps a per-session expiry in `_session_expiry` (seconds, or an ISO date). */
function expiryOf(data: SessionData, fallback: Date, now: number): Date {
  const custom = data._session_expiry
  if (typeof custom === 'number' && custom > 0) return new Date(now + custom * 1000)
  if (typeof custom === 'string') return toDate(custom) ?? fallback
  return fallback
}
