/**
 * What one reader delivered, counted against what its room was sent:
 * distinct numbers delivered, duplicates, and out-of-order deliveries (a
 * number below one already delivered that is not a duplicate).
 *
 * @module
 */

export class Tally {
  readonly #seen = new Set<number>()
  #max = 0
  duplicates = 0
  reorderings = 0

  add(n: number): void {
    if (this.#seen.has(n)) {
      this.duplicates++
      return
    }
    if (n < this.#max) this.reorderings++
    this.#seen.add(n)
    if (n > this.#max) this.#max = n
  }

  /** Distinct numbers from 1 to `sent` delivered. */
  delivered(sent: number): number {
    let count = 0
    for (const n of this.#seen) if (n <= sent) count++
    return count
  }

  /** The highest number delivered. */
  get max(): number {
    return this.#max
  }
}
