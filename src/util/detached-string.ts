/**
 * Copies of strings cut from a longer one. V8 represents `text.slice()` of
 * 13 characters or more as a view on the original string, and that view
 * keeps the whole original alive. A WebSocket scope lives as long as its
 * connection: a path cut from `req.url` would keep the request line, with a
 * token sent in its query string, in memory for hours.
 *
 * @module
 * @internal
 */

/** Below this length V8 copies a slice anyway. */
const VIEW_MIN_LENGTH = 13
const SURROGATE = /[\ud800-\udfff]/

/**
 * `text` as a string of its own, sharing no memory with the one it was cut
 * from.
 *
 * @example
 * ```ts
 * const url = '/chat/lobby/?token=abc'
 * const rawPath = detached(url.slice(0, url.indexOf('?')))
 * ```
 * @internal
 */
export function detached(text: string): string {
  // A UTF-8 round trip is exact except for unpaired surrogates, which a
  // request line decoded from bytes never has; such a string is kept as it is.
  if (text.length < VIEW_MIN_LENGTH || SURROGATE.test(text)) return text
  return Buffer.from(text, 'utf8').toString('utf8')
}
