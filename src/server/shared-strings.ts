/**
 * One copy of the strings most connections' scopes hold alike. A WebSocket
 * scope lives as long as its connection, and each parsed request brings its
 * own copies of `host`, `sec-websocket-version`, `Upgrade`, the origin, the
 * browser's user agent, the server's address: a few hundred bytes per idle
 * connection, the same in every one. Scopes take the shared copy instead.
 *
 * The same goes for a whole `[name, value]` pair of such a header: 64 bytes
 * per pair, six or more pairs per browser connection. A shared pair is
 * frozen, since writing to it would change every scope that holds it.
 *
 * Values come from the network, so the tables are bounded: when one is full
 * it starts over, and a client sending ever-new values gets no sharing but
 * costs nothing more than before.
 *
 * @module
 * @internal
 */

/** Common headers whose values repeat from one client to the next. */
const REPEATED_VALUES = [
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'connection',
  'dnt',
  'host',
  'origin',
  'pragma',
  'priority',
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'sec-fetch-dest',
  'sec-fetch-mode',
  'sec-fetch-site',
  'sec-websocket-extensions',
  'sec-websocket-version',
  'upgrade',
  'user-agent',
]

/** Common headers whose values are secrets or differ per client: only their names are shared. */
const PER_CLIENT_VALUES = [
  'authorization',
  'content-length',
  'content-type',
  'cookie',
  'forwarded',
  'referer',
  'sec-websocket-key',
  'sec-websocket-protocol',
  'via',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
]

/** Lower-case names of the headers browsers, proxies and WebSocket clients send. */
const NAMES = new Map<string, string>([...REPEATED_VALUES, ...PER_CLIENT_VALUES].map((name) => [name, name]))
const SHARED_VALUES = new Set(REPEATED_VALUES)

/** Values kept at most; then the table starts over. */
const MAX_VALUES = 1024
/** Longer values are not worth a table entry. */
const MAX_VALUE_LENGTH = 512

let values = new Map<string, string>()
/** Shared pairs by name, then by value. */
let pairs = new Map<string, Map<string, [string, string]>>()
let pairCount = 0

/**
 * The lower-case form of a header name, shared when it is a common one.
 *
 * @internal
 */
export function headerName(raw: string): string {
  const lower = raw.toLowerCase()
  return NAMES.get(lower) ?? lower
}

/**
 * A header as a scope keeps it: the name in lower case, the value trimmed.
 * The pair of a header whose values repeat across clients is a shared,
 * frozen one; any other pair is new.
 *
 * @internal
 */
export function headerPair(rawName: string, rawValue: string): [string, string] {
  const name = headerName(rawName)
  const value = rawValue.trim()
  if (!SHARED_VALUES.has(name) || value.length > MAX_VALUE_LENGTH) return [name, value]
  let byValue = pairs.get(name)
  const known = byValue?.get(value)
  if (known !== undefined) return known
  if (pairCount >= MAX_VALUES) {
    pairs = new Map()
    pairCount = 0
    byValue = undefined
  }
  if (byValue === undefined) pairs.set(name, (byValue = new Map<string, [string, string]>()))
  const pair = Object.freeze([name, shared(value)]) as [string, string]
  byValue.set(value, pair)
  pairCount++
  return pair
}

/**
 * The shared copy of `value` (an address, an HTTP version, a common header
 * value), kept in the bounded table.
 *
 * @internal
 */
export function shared(value: string): string {
  if (value.length > MAX_VALUE_LENGTH) return value
  const known = values.get(value)
  if (known !== undefined) return known
  if (values.size >= MAX_VALUES) values = new Map()
  values.set(value, value)
  return value
}
