/**
 * `rejectWith(reason)`: a rejected promise carrying what was thrown, as it
 * was thrown. The functions on the per-message path are not `async` (an
 * `async` wrapper costs a promise and a microtask per call), so they turn
 * their synchronous failures into rejections with this.
 *
 * @module
 * @internal
 */

/** A promise rejected with `reason` unchanged (user code may throw anything, not only errors). @internal */
export function rejectWith(reason: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as it was thrown
  return Promise.reject(reason)
}
