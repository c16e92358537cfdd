/**
 * The last check before a request reaches an application. Node's parser
 * already refuses most malformed requests with 400; this repeats the rules
 * that matter (header names are tokens, header values have no control
 * characters, the request target is printable ASCII) so they hold even on a
 * server created with `insecureHTTPParser` and handed to `attach()`.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Field values: visible characters, space, tab and obs-text; no other controls.
// Matching control characters is the point of this pattern.
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/
// The request target: printable ASCII only (non-ASCII must be percent-encoded).
const BAD_TARGET = /[^\x21-\x7e]/

/**
 * Returns why `req` must be refused with 400, or `null` when it may reach the
 * application.
 * @internal
 */
export function invalidRequestReason(req: IncomingMessage): string | null {
  const url = req.url
  if (!url || BAD_TARGET.test(url)) return 'invalid request target'
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!TOKEN.test(raw[i]!)) return 'invalid header name'
    if (BAD_VALUE.test(raw[i + 1]!)) return 'invalid header value'
  }
  return null
}

/**
 * Checks that an application-supplied header can go on the wire without
 * splitting the response (no CR, LF or other controls).
 * @internal
 */
export function isValidHeader(name: unknown, value: unknown): boolean {
  return typeof name === 'string' && typeof value === 'string' && TOKEN.test(name) && !BAD_VALUE.test(value)
}
