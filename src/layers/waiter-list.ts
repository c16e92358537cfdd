/**
 * The pending receivers of one channel, in arrival order.
 *
 * @module
 * @internal
 */

/** What a channel hands messages to: a pending `receive()`, or a consumer listening for good. @internal */
export interface Waiter<M, E> {
  /** Takes `message`. The channel has already removed this waiter. */
  deliver(message: M): void
  /** Ends the wait with `error`. The channel has already removed this waiter. */
  cancel(error: E): void
}

/**
 * A FIFO of waiters. A channel almost always has none or one, so the first
 * has a slot of its own and the array exists only while several wait: an
 * array grown by `push` keeps 17 slots for good, and there is one channel
 * per connection.
 *
 * @internal
 */
export class WaiterList<W> {
  #first: W | undefined
  #rest: W[] | undefined

  /** Waiters pending. */
  get length(): number {
    if (this.#first === undefined) return 0
    return this.#rest === undefined ? 1 : 1 + this.#rest.length
  }

  /** Appends `waiter`. */
  push(waiter: W): void {
    if (this.#first === undefined) this.#first = waiter
    else (this.#rest ??= []).push(waiter)
  }

  /** Removes and returns the oldest waiter. */
  shift(): W | undefined {
    const first = this.#first
    if (first === undefined) return undefined
    const rest = this.#rest
    if (rest === undefined) this.#first = undefined
    else {
      this.#first = rest.shift()
      if (rest.length === 0) this.#rest = undefined
    }
    return first
  }

  /** Removes `waiter`; false when it was not there (already served or cancelled). */
  remove(waiter: W): boolean {
    if (this.#first === waiter) {
      this.shift()
      return true
    }
    const rest = this.#rest
    const index = rest === undefined ? -1 : rest.indexOf(waiter)
    if (index === -1) return false
    rest!.splice(index, 1)
    if (rest!.length === 0) this.#rest = undefined
    return true
  }

  /** Removes every waiter and returns them, oldest first. */
  takeAll(): W[] {
    const all: W[] = []
    for (let waiter = this.shift(); waiter !== undefined; waiter = this.shift()) all.push(waiter)
    return all
  }
}
