/**
 * Splits a test path such as `/ws/chat/lobby/?token=abc` into the scope fields
 * a server would fill from the request line.
 *
 * @module
 * @internal
 */

/** The path-derived fields of a connection scope. @internal */
export interface PathFields {
  path: string
  rawPath: string
  queryString: string
  rootPath: string
}

/**
 * Builds `path` (percent-decoded), `rawPath` (as given), `queryString` and an
 * empty `rootPath` from a request target.
 * @internal
 */
export function scopeFromPath(target: string): PathFields {
  const hash = target.indexOf('#')
  const withoutFragment = hash >= 0 ? target.slice(0, hash) : target
  const question = withoutFragment.indexOf('?')
  const rawPath = question >= 0 ? withoutFragment.slice(0, question) : withoutFragment
  const queryString = question >= 0 ? withoutFragment.slice(question + 1) : ''
  let path: string
  try {
    path = decodeURIComponent(rawPath)
  } catch {
    // A malformed escape is kept as it is, the way a lenient server would.
    path = rawPath
  }
  return { path, rawPath, queryString, rootPath: '' }
}
