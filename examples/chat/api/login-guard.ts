/**
 * Limits failed password checks on `/api/token` and `/api/login`. Unlike a
 * limit on every attempt, only failures count, so a benchmark (or a busy
 * office behind one address) can log in as often as it likes with correct
 * passwords.
 *
 * @module
 */

import { createHash } from 'node:crypto'

import type { RateLimitStore, TokenBucket } from 'tschannels'

/** Options of `LoginGuard`. */
export interface LoginGuardOptions {
  /** In memory for one process, `RedisRateLimitStore` for several. */
  store: RateLimitStore
  /** Failures allowed per username and address before 429. @default 5 */
  perUser?: number
  /** Failures allowed per address, whatever the username. @default 20 */
  perAddress?: number
  /** Seconds for the allowance to come back in full. @default 900 */
  windowSeconds?: number
}

/**
 * Two token buckets of failures: per (address, username) and per address.
 * `blocked()` peeks (a take of zero tokens), `failed()` spends one,
 * `succeeded()` refills the pair.
 *
 * Counting per (address, username) rather than per username means nobody
 * can lock a user out from another address; per address bounds how many
 * usernames one client can try.
 *
 * @example
 * ```ts
 * if (await guard.blocked(username, address)) return tooMany()
 * const user = await authenticate(users, username, password)
 * await (user === null ? guard.failed(username, address) : guard.succeeded(username, address))
 * ```
 */
export class LoginGuard {
  readonly #store: RateLimitStore
  readonly #user: TokenBucket
  readonly #address: TokenBucket

  constructor(options: LoginGuardOptions) {
    const window = options.windowSeconds ?? 900
    const perUser = options.perUser ?? 5
    const perAddress = options.perAddress ?? 20
    this.#store = options.store
    this.#user = { capacity: perUser, refillPerSecond: perUser / window }
    this.#address = { capacity: perAddress, refillPerSecond: perAddress / window }
  }

  /** Seconds to wait when no failure is left for this username or address; 0 when an attempt may go ahead. */
  async blocked(username: string, address: string): Promise<number> {
    const [user, addr] = await Promise.all([
      this.#store.take(userKey(username, address), this.#user, 0),
      this.#store.take(addressKey(address), this.#address, 0),
    ])
    const userSpent = user.remaining < 1
    const addressSpent = addr.remaining < 1
    if (!userSpent && !addressSpent) return 0
    // A peek reports no retry time; one failure comes back after 1 / rate seconds.
    const rate = Math.min(
      userSpent ? this.#user.refillPerSecond : Infinity,
      addressSpent ? this.#address.refillPerSecond : Infinity,
    )
    return Math.max(1, Math.ceil(1 / rate))
  }

  /** Counts a failed attempt. */
  async failed(username: string, address: string): Promise<void> {
    await Promise.all([
      this.#store.take(userKey(username, address), this.#user),
      this.#store.take(addressKey(address), this.#address),
    ])
  }

  /** Forgets the failures of this username from this address. */
  async succeeded(username: string, address: string): Promise<void> {
    await this.#store.reset(userKey(username, address))
  }

  async close(): Promise<void> {
    await this.#store.close()
  }
}

// Hashed, so a store dump does not list which usernames were tried.
function userKey(username: string, address: string): string {
  return `chat:login:${createHash('sha256').update(`${address}\n${username}`).digest('base64url')}`
}

function addressKey(address: string): string {
  return `chat:login:addr:${address}`
}
