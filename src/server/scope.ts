/**
 * Builds HTTP and WebSocket scopes from a Node request: lower-cased, trimmed
 * header pairs in arrival order, the path unquoted next to the raw path, the
 * root path stripped, and the client address taken from proxy headers only
 * when the operator said to trust them.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'

import type { Headers, HostPort, HttpScope, WebsocketScope } from '../types.js'
import { detached } from '../util/detached-string.js'
import { frozenEmptyArray } from '../util/frozen-empty.js'
import { headerPair, shared } from './shared-strings.js'

/** What scope building needs from the server's options. @internal */
export interface ScopeOptions {
  rootPath: string
  proxyHeaders: boolean
}

const ASGI = Object.freeze({ version: '3.0', specVersion: '2.4' })
/** The subprotocols of every client that offered none, frozen because it is shared. */
const NO_SUBPROTOCOLS = frozenEmptyArray<string>()
const utf8 = new TextDecoder('utf-8')

/** The scope of one HTTP request. @internal */
export function buildHttpScope(req: IncomingMessage, options: ScopeOptions): HttpScope {
  const base = connectionFields(req, options, false)
  return { type: 'http', method: req.method ?? 'GET', ...base }
}

/** The scope of one WebSocket handshake. @internal */
export function buildWebsocketScope(req: IncomingMessage, options: ScopeOptions): WebsocketScope {
  const base = connectionFields(req, options, true)
  // Written out rather than spread: an object literal keeps all its fields
  // inside the object, where a spread puts them in a separate property
  // array, and this scope lives as long as its connection.
  return {
    type: 'websocket',
    subprotocols: parseSubprotocols(req.headers['sec-websocket-protocol']),
    asgi: base.asgi,
    httpVersion: base.httpVersion,
    scheme: base.scheme,
    path: base.path,
    rawPath: base.rawPath,
    queryString: base.queryString,
    rootPath: base.rootPath,
    headers: base.headers,
    client: base.client,
    server: base.server,
  }
}

/** Splits `Sec-WebSocket-Protocol` into the offered names, in the client's order. @internal */
export function parseSubprotocols(header: string | undefined): string[] {
  if (!header) return NO_SUBPROTOCOLS
  const names: string[] = []
  for (const part of header.split(',')) {
    const name = part.trim()
    if (name) names.push(name)
  }
  return names
}

/**
 * Percent-decodes a path as UTF-8. Invalid escapes or bytes become U+FFFD
 * instead of throwing, because a client's typo must not turn into a 500.
 * @internal
 */
export function unquotePath(raw: string): string {
  if (!raw.includes('%')) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    const bytes: number[] = []
    for (let i = 0; i < raw.length; i++) {
      const hex = raw.charCodeAt(i) === 0x25 ? raw.slice(i + 1, i + 3) : ''
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16))
        i += 2
      } else {
        bytes.push(raw.charCodeAt(i) & 0xff)
      }
    }
    return utf8.decode(Uint8Array.from(bytes))
  }
}

function connectionFields(req: IncomingMessage, options: ScopeOptions, websocket: boolean) {
  const { rawPath, queryString } = splitTarget(req.url ?? '/')
  let path = unquotePath(rawPath)
  const { rootPath } = options
  // Strip the mount point only when it is a whole leading segment: '/app' must
  // not eat the start of '/application'.
  if (rootPath && (path === rootPath || path.startsWith(rootPath + '/'))) {
    path = path.slice(rootPath.length) || '/'
  }
  const socket = req.socket
  const encrypted = (socket as { encrypted?: boolean }).encrypted === true
  // Addresses and the version repeat across connections: scopes share one copy (see shared-strings.ts).
  let client: HostPort | null =
    socket.remoteAddress !== undefined ? [shared(socket.remoteAddress), socket.remotePort ?? 0] : null
  let secure = encrypted
  if (options.proxyHeaders) {
    const forwarded = forwardedClient(req, client)
    client = forwarded.client
    if (forwarded.secure !== undefined) secure = forwarded.secure
  }
  const server: HostPort | null =
    socket.localAddress !== undefined ? serverAddress(socket.localAddress, socket.localPort ?? 0) : null
  return {
    asgi: ASGI,
    httpVersion: shared(req.httpVersion),
    scheme: websocket ? (secure ? 'wss' : 'ws') : secure ? 'https' : 'http',
    path,
    rawPath,
    queryString,
    rootPath,
    headers: headerPairs(req.rawHeaders),
    client,
    server,
  }
}

/** `scope.server` of each listening address: every connection to it shares one frozen pair. */
const serverAddresses = new Map<string, HostPort>()

function serverAddress(host: string, port: number): HostPort {
  const key = `${host} ${port}`
  let address = serverAddresses.get(key)
  if (address === undefined) {
    // Bounded for a server bound to many addresses (or a wildcard one reached through many).
    if (serverAddresses.size >= 64) serverAddresses.clear()
    address = Object.freeze<HostPort>([shared(host), port])
    serverAddresses.set(key, address)
  }
  return address
}

function splitTarget(target: string): { rawPath: string; queryString: string } {
  // An absolute-form target (`GET http://host/x`) is legal HTTP/1.1; the
  // application only cares about its path.
  if (!target.startsWith('/')) {
    const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target)
    if (scheme) target = target.slice(scheme[0].length) || '/'
  }
  const hash = target.indexOf('#')
  if (hash !== -1) target = target.slice(0, hash)
  const question = target.indexOf('?')
  if (question === -1) return { rawPath: target, queryString: '' }
  // The path is copied: a slice would keep the whole target, query string
  // and any token in it, alive for as long as the scope.
  return { rawPath: detached(target.slice(0, question)), queryString: target.slice(question + 1) }
}

function headerPairs(raw: string[]): Headers {
  // Sized up front: grown by push, the array would keep spare slots for as
  // long as the connection lives, and a WebSocket scope lives for hours.
  const headers: Headers = new Array<[string, string]>(raw.length >> 1)
  for (let i = 0, j = 0; i + 1 < raw.length; i += 2, j++) {
    headers[j] = headerPair(raw[i]!, raw[i + 1]!)
  }
  return headers
}

function forwardedClient(
  req: IncomingMessage,
  client: HostPort | null,
): { client: HostPort | null; secure?: boolean } {
  const result: { client: HostPort | null; secure?: boolean } = { client }
  const forwardedFor = lastValue(req.headers['x-forwarded-for'])
  if (forwardedFor) {
    // The right-most address is the one our own proxy appended; everything to
    // its left came from the client and may be forged.
    const port = Number(lastValue(req.headers['x-forwarded-port']))
    result.client = [forwardedFor, Number.isInteger(port) && port > 0 && port < 65536 ? port : 0]
  }
  const proto = lastValue(req.headers['x-forwarded-proto'])?.toLowerCase()
  if (proto === 'https' || proto === 'wss') result.secure = true
  else if (proto === 'http' || proto === 'ws') result.secure = false
  return result
}

function lastValue(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  const joined = Array.isArray(header) ? header.join(',') : header
  const parts = joined.split(',')
  const last = parts[parts.length - 1]?.trim()
  return last || undefined
}
