/**
 * The few statistics the benchmarks report: medians of repeated runs and
 * latency percentiles.
 *
 * @module
 */

/** The median of `numbers` (the mean of the middle two for an even count); NaN when empty. */
export function median(numbers: readonly number[]): number {
  if (numbers.length === 0) return NaN
  const sorted = [...numbers].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Percentiles of latencies in microseconds (the array is sorted in place). */
export function percentiles(latenciesUs: Float64Array): { p50Us: number; p95Us: number; p99Us: number } {
  const sorted = latenciesUs.sort()
  const at = (q: number): number =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0)
  return { p50Us: at(0.5), p95Us: at(0.95), p99Us: at(0.99) }
}

/** A growable list of float samples that allocates only when it doubles. */
export class Samples {
  #data = new Float64Array(1 << 16)
  #length = 0

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2)
      bigger.set(this.#data)
      this.#data = bigger
    }
    this.#data[this.#length++] = value
  }

  get length(): number {
    return this.#length
  }

  /** The samples so far (a view, not a copy). */
  values(): Float64Array {
    return this.#data.subarray(0, this.#length)
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
