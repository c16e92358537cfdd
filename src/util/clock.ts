/**
 * `Clock`: where expiry and rate limits read the time, so that tests drive
 * it instead of waiting for the wall clock.
 *
 * @module
 */

/**
 * Milliseconds on a scale that only moves forward (`performance.now()` by
 * default). Only differences between two readings matter.
 *
 * @example
 * ```ts
 * let now = 0
 * const layer = new InMemoryChannelLayer({ expiry: 1, clock: () => now })
 * now += 1_500 // every message sent before is now expired
 * ```
 */
export type Clock = () => number

/** `performance.now()`: monotonic, unaffected by changes to the system time. @internal */
export const monotonicClock: Clock = () => performance.now()
