/**
 * The contract every session store keeps: memory, signed cookies, SQLite,
 * PostgreSQL and Redis all implement `SessionStore` and pass one
 * conformance suite.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

/** What a session holds: JSON-serialisable values by name. */
export type SessionData = Record<string, unknown>

/**
 * Where sessions live between connections. Every method is atomic for one
 * key: a `save()` replaces the whole record, so concurrent saves of one
 * session leave one of them intact, never a mix.
 */
export interface SessionStore {
  /**
   * The data saved under `key`, or `null` when there is none, it expired, or
   * `key` is not a key this store could have issued (never an error: keys
   * come from clients).
   */
  load(key: string): Promise<SessionData | null>
  /**
   * Saves `data` until `expiresAt`. With `key` `null`, creates a new unique
   * key; otherwise replaces what `key` held. Returns the key to hand to the
   * client (the signed-cookie store returns a new one every time).
   */
  save(key: string | null, data: SessionData, expiresAt: Date): Promise<string>
  /** Deletes `key`; deleting a missing key is not an error. */
  delete(key: string): Promise<void>
  /** Deletes every expired session; returns how many (or 0 when the engine expires them by itself). */
  clearExpired(): Promise<number>
  /** Releases connections and timers. */
  close(): Promise<void>
  /**
   * A store that must not write (Django's sessions unless opted in): its
   * `save()` and `delete()` throw `ReadOnlyStore`, and `getUser()` then
   * answers a stale session with the anonymous user instead of flushing it.
   * @default false
   */
  readonly readOnly?: boolean
}

// 32 URL-safe characters from 24 random bytes: 192 bits, more than Django's
// 32 characters from a 36-letter alphabet.
const KEY_PATTERN = /^[A-Za-z0-9_-]{32}$/

/**
 * A new random session key: 32 URL-safe characters.
 * @internal
 */
export function newSessionKey(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * Whether `key` has the shape of a key `newSessionKey()` makes, so stores
 * never send junk from a cookie to their database.
 * @internal
 */
export function isValidSessionKey(key: unknown): key is string {
  return typeof key === 'string' && KEY_PATTERN.test(key)
}
