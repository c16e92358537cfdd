/**
 * `LoginAttemptLimiter`: slows password guessing down, per username and per
 * client address.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import { ImproperlyConfigured, TooManyLoginAttempts } from '../errors.js'
import { InMemoryRateLimitStore } from '../security/memory-rate-limit-store.js'
import type { RateLimitStore, TokenBucket } from '../security/rate-limit-store.js'

/** Options of `LoginAttemptLimiter`. */
export interface LoginAttemptLimiterOptions {
  /** Where attempts are counted; use the Redis store to count across processes. @default new InMemoryRateLimitStore() */
  store?: RateLimitStore
  /** Attempts allowed per username in a burst. @default 5 */
  perUsername?: number
  /** Attempts allowed per client address in a burst (an address may serve many users). @default 20 */
  perAddress?: number
  /** Seconds for a spent allowance to come back in full. @default 900 (15 minutes) */
  windowSeconds?: number
}

/**
 * Counts login attempts in two token buckets, one per username and one per
 * address; when either is empty the attempt is refused with
 * `TooManyLoginAttempts` before the password is even checked, so a correct
 * guess during the lock-out does not get through. A successful login
 * refills the username's bucket.
 *
 * @example
 * ```ts
 * const limiter = new LoginAttemptLimiter({ perUsername: 5, windowSeconds: 900 })
 * const user = await authenticate(users, 'ada', 'correct horse battery staple', { limiter, address: scope.client?.[0] })
 * ```
 */
export class LoginAttemptLimiter {
  readonly #store: RateLimitStore
  readonly #username: TokenBucket
  readonly #address: TokenBucket

  constructor(options: LoginAttemptLimiterOptions = {}) {
    const perUsername = options.perUsername ?? 5
    const perAddress = options.perAddress ?? 20
    const window = options.windowSeconds ?? 900
    for (const [name, value] of Object.entries({ perUsername, perAddress, windowSeconds: window })) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new ImproperlyConfigured(`LoginAttemptLimiter ${name} must be a positive number.`)
      }
    }
    this.#store = options.store ?? new InMemoryRateLimitStore()
    this.#username = { capacity: perUsername, refillPerSecond: perUsername / window }
    this.#address = { capacity: perAddress, refillPerSecond: perAddress / window }
  }

  /** Counts one attempt; throws `TooManyLoginAttempts` when a limit is spent. */
  async attempt(username: string, address?: string | null): Promise<void> {
    const checks = [this.#store.take(usernameKey(username), this.#username)]
    if (address) checks.push(this.#store.take(`login:addr:${address}`, this.#address))
    const results = await Promise.all(checks)
    const refused = results.filter((result) => !result.allowed)
    if (refused.length > 0) {
      const retryAfter = Math.ceil(Math.max(...refused.map((result) => result.retryAfterMs)) / 1000)
      throw new TooManyLoginAttempts(
        `Too many login attempts; try again in ${retryAfter} seconds.`,
        Math.max(1, retryAfter),
      )
    }
  }

  /** Refills the username's allowance after a successful login. */
  async succeeded(username: string): Promise<void> {
    await this.#store.reset(usernameKey(username))
  }
}

// Hashed, so a store dump never lists which usernames were tried.
function usernameKey(username: string): string {
  return `login:user:${createHash('sha256').update(username.toLowerCase()).digest('base64url')}`
}
