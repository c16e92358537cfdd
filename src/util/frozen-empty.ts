/**
 * The one frozen empty array that long-lived objects hold where they have
 * nothing yet: no subprotocols offered, no positional route captures, a
 * channel queue that never held a message. An idle WebSocket keeps its scope
 * and its channel for hours, and an empty array of its own is 16 to 32 bytes
 * each time. Frozen, because it is shared: code that wants to add to it
 * replaces it first, and a write by mistake throws instead of reaching every
 * connection.
 *
 * @module
 * @internal
 */

const EMPTY: readonly never[] = Object.freeze([])

/**
 * The shared frozen empty array, typed as the array it stands in for.
 *
 * @example
 * ```ts
 * const NO_ARGS = frozenEmptyArray<unknown>()
 * ```
 * @internal
 */
export function frozenEmptyArray<T>(): T[] {
  return EMPTY as unknown as T[]
}
