/**
 * The in-memory layer's clean-up timer: one per layer, not per message,
 * and unref'd so an idle layer never keeps the process alive.
 *
 * @module
 * @internal
 */

/** The sweep only reclaims memory (every read checks expiry itself), so it may run rarely. */
const MIN_SWEEP_MS = 1_000
const MAX_SWEEP_MS = 60_000

/** Runs `sweep` every so often while started. @internal */
export class SweepTimer {
  readonly #sweep: () => void
  readonly #intervalMs: number
  #timer: NodeJS.Timeout | undefined

  /** `shortestExpiryMs` is the shortest expiry the layer enforces; the interval follows it, within bounds. */
  constructor(sweep: () => void, shortestExpiryMs: number) {
    this.#sweep = sweep
    this.#intervalMs = Math.min(Math.max(shortestExpiryMs, MIN_SWEEP_MS), MAX_SWEEP_MS)
  }

  /** Starts the timer unless it runs already. */
  start(): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(this.#sweep, this.#intervalMs).unref()
  }

  /** Stops it; the next `start()` starts it again. */
  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}
