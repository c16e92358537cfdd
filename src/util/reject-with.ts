/**
 * `rejectWith(reason)`: a rejected promise carrying what was thrown, as it
 * was thrown. The functions on the per-message path are not `async` (an
 * `async` wrapper costs a promise and a microtask per call), so they turn
 * their synchronous failures into rejections with this.
 *
 * @module
 * @internal
 */

import type { Application } from '../types.js'

/** A promise rejected with `reason` unchanged (user code may throw anything, not only errors). @internal */
export function rejectWith(reason: unknown): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as it was thrown
  return Promise.reject(reason)
}

/**
 * `app` as an application that never throws: what it throws synchronously
 * becomes a rejection, as an `async` function's would. For routers and
 * middleware written without `async`, because an `async` wrapper stays
 * pending, holding a promise, for the whole connection.
 *
 * @example
 * ```ts
 * const Tagging = (inner: Application): Application =>
 *   neverThrowing(function Tagging(scope, receive, send) {
 *     return inner({ ...scope, state: { tagged: true } }, receive, send)
 *   })
 * ```
 * @internal
 */
export function neverThrowing(app: Application): Application {
  const wrapped: Application = (scope, receive, send) => {
    try {
      return app(scope, receive, send)
    } catch (error) {
      return rejectWith(error)
    }
  }
  // Keeps the name a router or middleware shows in logs and debuggers.
  Object.defineProperty(wrapped, 'name', { value: app.name })
  return wrapped
}
