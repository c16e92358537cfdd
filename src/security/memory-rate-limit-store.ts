/**
 * `InMemoryRateLimitStore`: rate limits for one process.
 *
 * @module
 */

import type { Clock } from '../util/clock.js'
import type { RateLimitStore, TakeResult, TokenBucket } from './rate-limit-store.js'

/** Options of `InMemoryRateLimitStore`. */
export interface InMemoryRateLimitStoreOptions {
  /** Where refills read the time, in ms; tests pass their own. @default Date.now */
  clock?: Clock
}

interface Bucket {
  tokens: number
  updated: number
  /** When the bucket will be full again and can be forgotten. */
  fullAt: number
}

/**
 * Token buckets and slot counters in a `Map`, swept of idle entries so the
 * map cannot grow without bound under many client addresses.
 *
 * @example
 * ```ts
 * const store = new InMemoryRateLimitStore()
 * const app = RateLimitMiddleware(router, { store, messages: { capacity: 20, refillPerSecond: 5 } })
 * ```
 */
export class InMemoryRateLimitStore implements RateLimitStore {
  #buckets = new Map<string, Bucket>()
  #slots = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  readonly #now: Clock

  constructor(options: InMemoryRateLimitStoreOptions = {}) {
    this.#now = options.clock ?? Date.now
    this.#timer = setInterval(() => this.#sweep(), 60_000)
    this.#timer.unref()
  }

  async take(key: string, bucket: TokenBucket, cost = 1): Promise<TakeResult> {
    const now = this.#now()
    const entry = this.#buckets.get(key) ?? { tokens: bucket.capacity, updated: now, fullAt: now }
    const refilled = Math.min(
      bucket.capacity,
      entry.tokens + ((now - entry.updated) / 1000) * bucket.refillPerSecond,
    )
    const allowed = refilled >= cost
    const tokens = allowed ? refilled - cost : refilled
    const missing = bucket.capacity - tokens
    this.#buckets.set(key, {
      tokens,
      updated: now,
      fullAt: now + (bucket.refillPerSecond > 0 ? (missing / bucket.refillPerSecond) * 1000 : Infinity),
    })
    const retryAfterMs =
      allowed || bucket.refillPerSecond <= 0
        ? 0
        : Math.ceil(((cost - tokens) / bucket.refillPerSecond) * 1000)
    return { allowed, remaining: Math.floor(tokens), retryAfterMs }
  }

  async reset(key: string): Promise<void> {
    this.#buckets.delete(key)
    this.#slots.delete(key)
  }

  async acquire(key: string, limit: number, _ttlMs: number): Promise<boolean> {
    const used = this.#slots.get(key) ?? 0
    if (used >= limit) return false
    this.#slots.set(key, used + 1)
    return true
  }

  async release(key: string): Promise<void> {
    const used = (this.#slots.get(key) ?? 0) - 1
    if (used > 0) this.#slots.set(key, used)
    else this.#slots.delete(key)
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #sweep(): void {
    const now = this.#now()
    for (const [key, bucket] of this.#buckets) if (bucket.fullAt <= now) this.#buckets.delete(key)
  }
}
