/**
 * `LoginAttemptLimiter`: slows password guessing down, per username and per
 * client address.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import { ImproperlyConfigured, TooManyLoginAttempts } from '../errors.js'
import { InMemoryRateLimitStore } from '../security/memory-rate-limit-store.js'
import type { RateLimitStore, TakeResult, TokenBucket } from '../security/rate-limit-store.js'

/** Options of `LoginAttemptLimiter`; `null` turns one allowance off. */
export interface LoginAttemptLimiterOptions {
  /** Where attempts are counted; use the Redis store to count across processes. @default new InMemoryRateLimitStore() */
  store?: RateLimitStore
  /** Failed attempts allowed per username (see `usernameScope`) in a burst. @default 5 */
  perUsername?: number | null
  /** Failed attempts allowed per client address, whatever the username (an address may serve many users). @default 20 */
  perAddress?: number | null
  /** Seconds for a spent allowance to come back in full. @default 900 (15 minutes) */
  windowSeconds?: number
  /**
   * What the per-username allowance counts: `'username'` counts guesses at
   * a username from every address (it stops a guess spread over many
   * addresses, but anyone can lock that user out for the window);
   * `'username-and-address'` counts them per address, so nobody can lock a
   * user out from elsewhere, and `perAddress` bounds how many usernames one
   * address may try.
   * @default 'username'
   */
  usernameScope?: 'username' | 'username-and-address'
}

/**
 * One login attempt, counted from the moment `LoginAttemptLimiter#attempt()`
 * returned it. Settle it once the password is checked: `succeeded()` gives
 * the attempt back, `failed()` keeps it counted. An attempt never settled
 * (the check threw, say) stays counted, as a failure.
 */
export interface LoginAttempt {
  /** The password was right: the attempt is given back and the username's failures are forgotten. */
  succeeded(): Promise<void>
  /** The password was wrong: the attempt stays counted. */
  failed(): Promise<void>
}

/**
 * Counts failed logins in two token buckets, one per username and one per
 * client address. The token is taken **before** the password is checked,
 * by `attempt()`, so parallel guesses cannot all slip past the count while
 * the (deliberately slow) hash runs: once a bucket is empty, `attempt()`
 * throws `TooManyLoginAttempts` and the password is not even checked, so a
 * correct guess during the lock-out does not get in. A success gives its
 * token back, so correct logins (a busy office behind one address) are never
 * throttled.
 *
 * There is no way to ask "is this blocked?" and count later: the only
 * entry point takes the token and hands back the attempt to settle.
 *
 * @example
 * ```ts
 * declare const username: string, password: string
 * const limiter = new LoginAttemptLimiter({ perUsername: 5, windowSeconds: 900 })
 * const attempt = await limiter.attempt(username, scope.client?.[0]) // throws TooManyLoginAttempts
 * const user = await authenticate(users, username, password)
 * await (user === null ? attempt.failed() : attempt.succeeded())
 * ```
 */
export class LoginAttemptLimiter {
  readonly #store: RateLimitStore
  readonly #username: TokenBucket | null
  readonly #address: TokenBucket | null
  readonly #perAddressUsername: boolean

  constructor(options: LoginAttemptLimiterOptions = {}) {
    const window = options.windowSeconds ?? 900
    if (!Number.isFinite(window) || window <= 0) {
      throw new ImproperlyConfigured(`LoginAttemptLimiter windowSeconds must be a positive number.`)
    }
    const scope = options.usernameScope ?? 'username'
    if (scope !== 'username' && scope !== 'username-and-address') {
      throw new ImproperlyConfigured(
        `LoginAttemptLimiter usernameScope must be 'username' or 'username-and-address'.`,
      )
    }
    this.#store = options.store ?? new InMemoryRateLimitStore()
    this.#username = bucket(
      'perUsername',
      options.perUsername === undefined ? 5 : options.perUsername,
      window,
    )
    this.#address = bucket('perAddress', options.perAddress === undefined ? 20 : options.perAddress, window)
    this.#perAddressUsername = scope === 'username-and-address'
  }

  /**
   * Counts one attempt at `username` from `address` and returns it to be
   * settled; throws `TooManyLoginAttempts` (with `retryAfter` seconds), and
   * counts nothing, when an allowance is spent. Without an `address` only
   * the username is counted.
   */
  async attempt(username: string, address?: string | null): Promise<LoginAttempt> {
    const keys: Array<[string, TokenBucket]> = []
    const user = usernameKey(username, this.#perAddressUsername ? (address ?? '') : undefined)
    if (this.#username !== null) keys.push([user, this.#username])
    if (this.#address !== null && address) keys.push([`login:addr:${address}`, this.#address])
    const results = await Promise.all(keys.map(([key, bucket]) => this.#store.take(key, bucket)))
    if (results.some((result) => !result.allowed)) {
      // A refused attempt checks no password: give back what it did take.
      await this.#refund(keys.filter((_, i) => results[i]!.allowed))
      throw tooMany(results)
    }
    let settled = false
    return {
      succeeded: async () => {
        if (settled) return
        settled = true
        await Promise.all([
          this.#username === null ? undefined : this.#store.reset(user),
          this.#refund(keys.filter(([key]) => key !== user)),
        ])
      },
      failed: async () => {
        settled = true
      },
    }
  }

  async #refund(keys: Array<[string, TokenBucket]>): Promise<void> {
    await Promise.all(keys.map(([key, bucket]) => this.#store.take(key, bucket, -1)))
  }
}

function bucket(name: string, value: number | null, window: number): TokenBucket | null {
  if (value === null) return null
  if (!Number.isFinite(value) || value <= 0) {
    throw new ImproperlyConfigured(`LoginAttemptLimiter ${name} must be a positive number or null.`)
  }
  return { capacity: value, refillPerSecond: value / window }
}

function tooMany(results: TakeResult[]): TooManyLoginAttempts {
  const waitMs = Math.max(...results.filter((result) => !result.allowed).map((result) => result.retryAfterMs))
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000))
  return new TooManyLoginAttempts(`Too many login attempts; try again in ${retryAfter} seconds.`, retryAfter)
}

// Hashed, so a store dump never lists which usernames were tried; compared
// as Django's normalize_username leaves them (NFKC), and case-insensitively.
function usernameKey(username: string, address: string | undefined): string {
  const name = username.normalize('NFKC').toLowerCase()
  const subject = address === undefined ? name : `${address}\n${name}`
  return `login:user:${createHash('sha256').update(subject).digest('base64url')}`
}
