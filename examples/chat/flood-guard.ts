/**
 * The per-connection message limit: more than 20 frames a second, sustained,
 * earns `rate_limited` errors; five seconds of that closes the connection
 * with 4429.
 *
 * @module
 */

/** Options of `FloodGuard`. */
export interface FloodGuardOptions {
  /** Frames allowed per second, sustained. @default 20 */
  rate?: number
  /** Frames allowed in a burst above the rate. @default 20 */
  burst?: number
  /** How long flooding may go on before the connection is closed, in ms. @default 5000 */
  closeAfterMs?: number
  /** A refusal this long after the previous one starts a new flood, in ms. @default 2000 */
  quietMs?: number
}

/** What to do with a frame. */
export type FloodVerdict = 'ok' | 'limited' | 'close'

/** The flood limit the chat's settings ask for (`CHAT_FLOOD_*`), or `null` when `CHAT_FLOOD_RATE` is 0 (off). */
export function floodGuardFor(limits: {
  floodRate: number
  floodBurst: number
  floodCloseAfter: number
}): FloodGuard | null {
  if (limits.floodRate === 0) return null
  return new FloodGuard({
    rate: limits.floodRate,
    burst: limits.floodBurst,
    closeAfterMs: limits.floodCloseAfter * 1000,
  })
}

/**
 * A token bucket held by the connection (no store round trip per frame),
 * plus a clock for the flood: it starts at the first refused frame and ends
 * once a whole `quietMs` passes without a refusal. A client that keeps
 * sending too fast is refused frame after frame, and once the flood has
 * lasted `closeAfterMs` it is closed; one that slows down carries on.
 *
 * @example
 * ```ts
 * const guard = new FloodGuard()
 * switch (guard.check()) { case 'limited': …; case 'close': … }
 * ```
 */
export class FloodGuard {
  readonly #rate: number
  readonly #burst: number
  readonly #closeAfter: number
  readonly #quiet: number
  #tokens: number
  #updated: number
  #floodStart = -Infinity
  #lastRefusal = -Infinity

  constructor(options: FloodGuardOptions = {}, now = Date.now()) {
    this.#rate = options.rate ?? 20
    this.#burst = options.burst ?? 20
    this.#closeAfter = options.closeAfterMs ?? 5000
    this.#quiet = options.quietMs ?? 2000
    this.#tokens = this.#burst
    this.#updated = now
  }

  /** Counts one frame and says what to do with it. */
  check(now = Date.now()): FloodVerdict {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updated) / 1000) * this.#rate)
    this.#updated = now
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      return 'ok'
    }
    if (now - this.#lastRefusal > this.#quiet) this.#floodStart = now
    this.#lastRefusal = now
    return now - this.#floodStart >= this.#closeAfter ? 'close' : 'limited'
  }
}
