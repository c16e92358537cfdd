/**
 * Where connection caps count open connections: the `ConnectionSlotStore`
 * contract, and `InMemoryConnectionSlots` for one process.
 *
 * @module
 */

/** One open connection counted under a key; give it back with `release()`. */
export interface ConnectionSlot {
  /** Stops counting the connection. Calling it again does nothing; it never rejects. */
  release(): Promise<void>
}

/**
 * Counts open connections per key (a client address, a user) against a
 * limit. `acquire()` is atomic for one key, across processes for a shared
 * store, so two connections racing for the last slot never both get it.
 */
export interface ConnectionSlotStore {
  /** Takes one of `limit` slots under `key`; `null` when all are taken. */
  acquire(key: string, limit: number): Promise<ConnectionSlot | null>
  /** Releases timers and connections. Slots still held stop being renewed. */
  close(): Promise<void>
}

/**
 * Slot counters in a `Map`, for one process: a crashed process takes its
 * counts with it, so nothing needs to expire.
 *
 * @example
 * ```ts
 * const app = ConnectionCapMiddleware(router, { store: new InMemoryConnectionSlots(), perAddress: 20 })
 * ```
 */
export class InMemoryConnectionSlots implements ConnectionSlotStore {
  readonly #held = new Map<string, number>()

  async acquire(key: string, limit: number): Promise<ConnectionSlot | null> {
    const used = this.#held.get(key) ?? 0
    if (used >= limit) return null
    this.#held.set(key, used + 1)
    let released = false
    return {
      release: async () => {
        if (released) return
        released = true
        const left = (this.#held.get(key) ?? 1) - 1
        if (left > 0) this.#held.set(key, left)
        else this.#held.delete(key)
      },
    }
  }

  /** How many slots are taken under `key`. */
  held(key: string): number {
    return this.#held.get(key) ?? 0
  }

  async close(): Promise<void> {}
}
