/**
 * A token bucket held by one connection: no store round trip per message.
 *
 * @module
 * @internal
 */

import type { TokenBucket } from './rate-limit-store.js'

/** @internal */
export class LocalTokenBucket {
  readonly #capacity: number
  readonly #rate: number
  #tokens: number
  #updated = Date.now()

  constructor(bucket: TokenBucket) {
    this.#capacity = bucket.capacity
    this.#rate = bucket.refillPerSecond
    this.#tokens = bucket.capacity
  }

  /** Takes `cost` tokens if there are enough. */
  take(cost = 1): boolean {
    const now = Date.now()
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#updated) / 1000) * this.#rate)
    this.#updated = now
    if (this.#tokens < cost) return false
    this.#tokens -= cost
    return true
  }
}
