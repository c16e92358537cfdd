/**
 * `neverThrowing(app)`: an application whose synchronous throw becomes a
 * rejection, for routers and middleware written without `async`.
 *
 * @module
 * @internal
 */

import type { Application } from '../types.js'
import { rejectWith } from './reject-with.js'

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
