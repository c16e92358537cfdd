/**
 * The shape a compiled route pattern has, shared by `path()` and `rePath()`
 * patterns and read by `URLRouter`.
 *
 * @module
 */

import { frozenEmptyArray } from '../util/frozen-empty.js'

/**
 * What a pattern captured from the start of a path, and the part it left.
 *
 * @internal
 */
export interface PatternMatch {
  args: unknown[]
  kwargs: Record<string, unknown>
  /** The rest of the path after the matched part, for a nested router. */
  rest: string
}

/**
 * The `args` of every match that captured none: one frozen array shared by
 * all the scopes that hold it, for as long as their connections stay open.
 *
 * @internal
 */
export const NO_ARGS = frozenEmptyArray<unknown>()

/**
 * A pattern compiled once, when the route is declared.
 *
 * @internal
 */
export interface PatternMatcher {
  /**
   * Matches `path`. An endpoint (a route to a consumer) must match the whole
   * path; a prefix (a route to a nested `URLRouter`) only its start.
   */
  match(path: string, endpoint: boolean): PatternMatch | null
}
