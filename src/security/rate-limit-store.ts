/**
 * The contract of rate-limit stores: token buckets and concurrency slots,
 * kept in memory for one process or on Redis for several.
 *
 * @module
 */

/** A token bucket: `capacity` tokens, refilled at `refillPerSecond`. */
export interface TokenBucket {
  /** The most tokens the bucket holds: the largest burst allowed. */
  capacity: number
  /** Tokens added per second: the sustained rate allowed. */
  refillPerSecond: number
}

/** The outcome of `take()`. */
export interface TakeResult {
  /** Whether the tokens were taken. */
  allowed: boolean
  /** Tokens left after this call. */
  remaining: number
  /** When not allowed: ms until enough tokens are back. */
  retryAfterMs: number
}

/**
 * Where rate-limit state lives. Every method is atomic for one key, also
 * across processes for the Redis store.
 */
export interface RateLimitStore {
  /**
   * Takes `cost` tokens from the bucket `key`, created full on first use. A
   * negative `cost` gives tokens back (a refund: `LoginAttemptLimiter` gives
   * back the attempt of a login that succeeded); a bucket never holds more
   * than `capacity`.
   */
  take(key: string, bucket: TokenBucket, cost?: number): Promise<TakeResult>
  /** Forgets the bucket or slot counter `key`. */
  reset(key: string): Promise<void>
  /**
   * Takes one of `limit` concurrent slots under `key` (open connections);
   * returns false when all are taken. `ttlMs` bounds how long a slot of a
   * crashed process can linger.
   */
  acquire(key: string, limit: number, ttlMs: number): Promise<boolean>
  /** Gives back a slot taken by `acquire()`. */
  release(key: string): Promise<void>
  /** Releases timers and connections. */
  close(): Promise<void>
}
