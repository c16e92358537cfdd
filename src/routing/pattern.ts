/**
 * The shape a compiled route pattern has, shared by `path()` and `rePath()`
 * patterns and read by `URLRouter`.
 *
 * @module
 */

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
