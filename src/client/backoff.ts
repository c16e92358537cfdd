/**
 * Reconnect delays: exponential backoff with full jitter ("Exponential
 * Backoff And Jitter", AWS Architecture Blog). Full jitter spreads the
 * reconnects of many clients that lost the same server over the whole
 * window instead of bunching them at each power of two.
 *
 * @module
 */

/** The backoff windows, in milliseconds. */
export interface BackoffOptions {
  /** The first window. @default 500 */
  base?: number
  /** No window grows past this. @default 10000 */
  cap?: number
}

/**
 * The delay before reconnect number `attempt` (0-based): uniform in
 * `[0, min(cap, base * 2^attempt))`.
 *
 * @example
 * ```ts
 * import { backoffDelay } from 'tschannels/client'
 *
 * const delay = backoffDelay(3, { base: 500, cap: 30_000 }) // somewhere in [0, 4000)
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const { base = 500, cap = 10_000 } = options
  // The exponent is clamped so that 2 ** attempt never overflows to Infinity.
  return Math.floor(random() * Math.min(cap, base * 2 ** Math.min(attempt, 30)))
}
