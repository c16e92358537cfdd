/**
 * A token bucket held by one connection: no store round trip per message.
 *
 * @module
 * @internal
 */

import type { Clock } from '../util/clock.js'
import type { TokenBucket } from './rate-limit-store.js'

/** @internal */
export class LocalTokenBucket {
  readonly #capacity: number
  readonly #rate: number
  readonly #now: Clock
  #tokens: number
  #updated: number

  /** @param now - Where the refill reads the time, in ms (tests pass their own). */
  constructor(bucket: TokenBucket, now: Clock = Date.now) {
    this.#capacity = bucket.capacity
    this.#rate = bucket.refillPerSecond
    this.#tokens = bucket.capacity
    this.#now = now
    this.#updated = now()
  }

  /** Takes `cost` tokens if there are enough. */
  take(cost = 1): boolean {
    const now = this.#now()
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#updated) / 1000) * this.#rate)
    this.#updated = now
    if (this.#tokens < cost) return false
    this.#tokens -= cost
    return true
  }
}
