/**
 * Reconnect delays: exponential backoff with full jitter, as described in
 * "Exponential Backoff And Jitter" (AWS Architecture Blog). Full jitter
 * spreads the reconnects of many pages that lost the same server over the
 * whole window instead of bunching them at each power of two, so a restarted
 * server is not hit by every client at the same instant.
 *
 * @module
 */

export interface BackoffOptions {
  /** The first window, in milliseconds. */
  base: number
  /** No window grows past this, in milliseconds. */
  cap: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { base: 1000, cap: 30_000 }

/**
 * After a 4429 close the server has just told us we flooded it: wait at least
 * this long, plus a jittered extra, before trying again.
 */
export const RATE_LIMIT_PAUSE = { floor: 30_000, jitter: 15_000 }

/** The delay before reconnect number `attempt` (0-based): uniform in [0, min(cap, base * 2^attempt)). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  // Clamp the exponent so 2 ** attempt never overflows to Infinity.
  const window = Math.min(options.cap, options.base * 2 ** Math.min(attempt, 30))
  return Math.floor(random() * window)
}

/** The pause after the server closed us for flooding (4429). */
export function rateLimitDelay(random: () => number = Math.random): number {
  return RATE_LIMIT_PAUSE.floor + Math.floor(random() * RATE_LIMIT_PAUSE.jitter)
}
