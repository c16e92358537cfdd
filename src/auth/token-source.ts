/**
 * Where token middlewares find a token: the query string, a cookie, the
 * `Authorization` header or the `Sec-WebSocket-Protocol` header; and how
 * the token is removed from the scope the application sees.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { parseCookies } from '../sessions/cookie-middleware.js'
import type { HeaderPairs, HttpScope, WebsocketScope } from '../types.js'

/** A place a token can come from. */
export type TokenSource = 'query' | 'cookie' | 'header' | 'subprotocol'

/** Where to look for a token, shared by the JWT and opaque-token middlewares. */
export interface TokenSourceOptions {
  /**
   * Sources tried in order. The default leaves out `query` (URLs end up in
   * access logs and browser history) and `cookie` (a cross-site page can
   * make the browser send it; pair it with `OriginValidator`).
   * @default ['header', 'subprotocol']
   */
  sources?: readonly TokenSource[]
  /** The query-string parameter (`?token=…`). @default 'token' */
  queryParam?: string
  /** The cookie (a common choice is `X-Token`). @default 'X-Token' */
  cookieName?: string
  /** The `Authorization` scheme: `Bearer` for JWT, DRF uses `Token`. @default 'Bearer' */
  headerScheme?: string
  /**
   * The subprotocol that announces a token: the client offers
   * `[subprotocol, token]` (`new WebSocket(url, ['bearer', token])`) and the
   * handshake echoes `subprotocol`, never the token.
   * @default 'bearer'
   */
  subprotocol?: string
}

/** A token found in a scope, and the scope fields without it. @internal */
export interface FoundToken {
  token: string
  source: TokenSource
  /** Scope fields to override so the application never sees the token. */
  cleaned: Partial<Pick<WebsocketScope, 'headers' | 'subprotocols' | 'queryString'>>
  /** The subprotocol to echo, for the `subprotocol` source. */
  echo?: string
}

/** @internal */
export interface ResolvedSources {
  sources: readonly TokenSource[]
  queryParam: string
  cookieName: string
  headerScheme: string
  subprotocol: string
}

const SOURCES: readonly TokenSource[] = ['query', 'cookie', 'header', 'subprotocol']
// Tokens longer than this are refused unread: no legitimate JWT or opaque token is this big.
const MAX_TOKEN_LENGTH = 8192

/** @internal */
export function resolveSources(options: TokenSourceOptions, what: string): ResolvedSources {
  const sources = options.sources ?? ['header', 'subprotocol']
  const list: unknown = sources
  if (!Array.isArray(list) || sources.length === 0 || sources.some((s) => !SOURCES.includes(s))) {
    throw new ImproperlyConfigured(`${what} sources must be a non-empty list of ${SOURCES.join(', ')}.`)
  }
  return {
    sources,
    queryParam: options.queryParam ?? 'token',
    cookieName: options.cookieName ?? 'X-Token',
    headerScheme: options.headerScheme ?? 'Bearer',
    subprotocol: options.subprotocol ?? 'bearer',
  }
}

/**
 * The first token found in the configured sources, or `null`.
 * @internal
 */
export function findToken(scope: HttpScope | WebsocketScope, config: ResolvedSources): FoundToken | null {
  for (const source of config.sources) {
    const found = FINDERS[source](scope, config)
    if (found !== null && found.token.length > 0 && found.token.length <= MAX_TOKEN_LENGTH) return found
  }
  return null
}

type Finder = (scope: HttpScope | WebsocketScope, config: ResolvedSources) => FoundToken | null

const FINDERS: Record<TokenSource, Finder> = {
  query(scope, config) {
    const params = new URLSearchParams(scope.queryString)
    const token = params.get(config.queryParam)
    if (token === null) return null
    params.delete(config.queryParam)
    return { token, source: 'query', cleaned: { queryString: params.toString() } }
  },
  cookie(scope, config) {
    const token = (scope.cookies ?? parseCookies(scope.headers))[config.cookieName]
    return token === undefined ? null : { token, source: 'cookie', cleaned: {} }
  },
  header(scope, config) {
    const value = scope.headers.find(([name]) => name === 'authorization')?.[1]
    if (value === undefined) return null
    const [scheme, token, ...rest] = value.trim().split(/\s+/)
    if (
      rest.length > 0 ||
      token === undefined ||
      scheme?.toLowerCase() !== config.headerScheme.toLowerCase()
    ) {
      return null
    }
    return { token, source: 'header', cleaned: { headers: without(scope.headers, 'authorization') } }
  },
  subprotocol(scope, config) {
    if (scope.type !== 'websocket') return null
    const index = scope.subprotocols.indexOf(config.subprotocol)
    const token = index >= 0 ? scope.subprotocols[index + 1] : undefined
    if (token === undefined) return null
    const subprotocols = scope.subprotocols.filter((_, i) => i !== index + 1)
    const headers: HeaderPairs = [
      ...without(scope.headers, 'sec-websocket-protocol'),
      ['sec-websocket-protocol', subprotocols.join(', ')],
    ]
    return { token, source: 'subprotocol', cleaned: { subprotocols, headers }, echo: config.subprotocol }
  },
}

function without(headers: HeaderPairs, name: string): HeaderPairs {
  return headers.filter(([header]) => header !== name)
}
