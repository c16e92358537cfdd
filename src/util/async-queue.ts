/**
 * An unbounded FIFO queue whose `get()` waits for the next item. It is the
 * mailbox behind consumers and communicators.
 *
 * @module
 * @internal
 */

/* eslint-disable @typescript-eslint/prefer-promise-reject-errors --
   The queue hands on whatever error or abort reason its owner chose; it does not make its own. */

/**
 * FIFO queue with async `get()`. Items are kept in an array with a moving head
 * so that `shift()` stays O(1); the array is compacted once the dead prefix
 * outweighs the live part.
 *
 * @internal
 */
export class AsyncQueue<T> {
  #items: T[] = []
  #head = 0
  // One waiter is the rule (a connection's single reader), so it gets a slot
  // of its own and the array exists only when several wait: an idle queue
  // then holds no array storage at all.
  #waiter: Waiter<T> | undefined
  #waiters: Array<Waiter<T>> | undefined
  #failure: { error: unknown } | undefined

  /** Items waiting to be taken. */
  get size(): number {
    return this.#items.length - this.#head
  }

  /** Hands `item` to the oldest waiter, or keeps it for the next `get()`. */
  put(item: T): void {
    const waiter = this.#takeWaiter()
    if (waiter !== undefined) waiter.resolve(item)
    else this.#items.push(item)
  }

  /** Takes the oldest item without waiting; `undefined` when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head] as T
    this.#items[this.#head] = undefined as T
    this.#head++
    if (this.#head === this.#items.length) {
      this.#items.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Looks at the oldest item without taking it. */
  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined
  }

  /**
   * Takes the oldest item, waiting for one if the queue is empty. Aborting
   * `signal` withdraws the wait (rejecting with the signal's reason), so no
   * item is ever handed to a caller that stopped listening.
   */
  get(signal?: AbortSignal): Promise<T> {
    if (this.#head < this.#items.length) return Promise.resolve(this.shift() as T)
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error)
    if (signal === undefined) {
      return new Promise<T>((resolve, reject) => this.#addWaiter({ resolve, reject }))
    }
    if (signal.aborted) return Promise.reject(signal.reason)
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.#removeWaiter(waiter)
        reject(signal.reason)
      }
      const waiter = {
        resolve: (item: T): void => {
          signal.removeEventListener('abort', onAbort)
          resolve(item)
        },
        reject: (error: unknown): void => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#addWaiter(waiter)
    })
  }

  /** Whether a `get()` is waiting for an item. */
  hasWaiters(): boolean {
    return this.#waiter !== undefined
  }

  /**
   * Rejects every pending and future `get()` with `error` once the queued
   * items are used up.
   */
  fail(error: unknown): void {
    this.#failure = { error }
    for (let waiter = this.#takeWaiter(); waiter !== undefined; waiter = this.#takeWaiter()) {
      waiter.reject(error)
    }
  }

  /** Drops every queued item. */
  clear(): void {
    this.#items = []
    this.#head = 0
  }

  #addWaiter(waiter: Waiter<T>): void {
    if (this.#waiter === undefined) this.#waiter = waiter
    else (this.#waiters ??= []).push(waiter)
  }

  /** The oldest waiter, removed; the slot always holds the oldest one. */
  #takeWaiter(): Waiter<T> | undefined {
    const waiter = this.#waiter
    if (waiter === undefined) return undefined
    const rest = this.#waiters
    this.#waiter = rest !== undefined && rest.length > 0 ? rest.shift() : undefined
    if (rest !== undefined && rest.length === 0) this.#waiters = undefined
    return waiter
  }

  #removeWaiter(waiter: Waiter<T>): void {
    if (this.#waiter === waiter) {
      this.#takeWaiter()
      return
    }
    const rest = this.#waiters
    if (rest === undefined) return
    const index = rest.indexOf(waiter)
    if (index >= 0) rest.splice(index, 1)
    if (rest.length === 0) this.#waiters = undefined
  }
}

interface Waiter<T> {
  resolve: (item: T) => void
  reject: (error: unknown) => void
}
