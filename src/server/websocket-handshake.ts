/**
 * The HTTP half of a WebSocket handshake that `ws` does not do for us:
 * checking the upgrade request before the application sees it, and writing
 * plain HTTP answers (403 for a close before accept, 404 for no route, the
 * application's own denial response) on a socket that never became a
 * WebSocket.
 *
 * @module
 */

import { STATUS_CODES } from 'node:http'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

import { invalidRequestReason, isValidHeader } from './request-validation.js'
import { InvalidEvent } from '../errors.js'
import type { Headers } from '../types.js'

const KEY = /^[+/0-9A-Za-z]{22}==$/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Headers the handshake itself owns; an application adding them would corrupt it.
const RESERVED = new Set(['upgrade', 'connection', 'sec-websocket-accept', 'sec-websocket-protocol'])
const RESERVED_PREFIX = 'sec-websocket-'

/**
 * What the server log and the test communicator say when an application
 * took `websocket.connect` and went back to `receive()` without answering:
 * nothing can arrive before the handshake is answered, so it waits forever.
 * @internal
 */
export const CONNECT_NOT_ANSWERED =
  'The application took websocket.connect and is waiting for the next event without answering it: ' +
  'connect() finished without accept() or close() (a raw application must send websocket.accept ' +
  'or websocket.close)'

/** Why an upgrade request is refused before the application, with the status to answer. @internal */
export interface HandshakeProblem {
  status: number
  reason: string
  headers?: Headers
}

/** Checks an upgrade request the way RFC 6455 section 4.2.1 asks. @internal */
export function checkHandshake(req: IncomingMessage): HandshakeProblem | null {
  const invalid = invalidRequestReason(req)
  if (invalid !== null) return { status: 400, reason: invalid }
  if (req.method !== 'GET') return { status: 405, reason: 'WebSocket handshakes use GET' }
  if (req.headers.upgrade?.toLowerCase() !== 'websocket')
    return { status: 400, reason: 'invalid Upgrade header' }
  const key = req.headers['sec-websocket-key']
  if (key === undefined || !KEY.test(key)) return { status: 400, reason: 'invalid Sec-WebSocket-Key header' }
  const version = req.headers['sec-websocket-version']
  if (version !== '13' && version !== '8') {
    return {
      status: 426,
      reason: 'unsupported Sec-WebSocket-Version',
      headers: [['sec-websocket-version', '13, 8']],
    }
  }
  const protocols = req.headers['sec-websocket-protocol']
  if (protocols !== undefined) {
    const seen = new Set<string>()
    for (const part of protocols.split(',')) {
      const name = part.trim()
      if (!TOKEN.test(name) || seen.has(name))
        return { status: 400, reason: 'invalid Sec-WebSocket-Protocol header' }
      seen.add(name)
    }
  }
  return null
}

/**
 * Checks that the subprotocol chosen in `websocket.accept` is one the client offered.
 *
 * @throws InvalidEvent naming the offered ones otherwise.
 * @internal
 */
export function checkSubprotocol(offered: readonly string[], chosen: unknown): void {
  if (chosen == null) return
  if (typeof chosen !== 'string' || !offered.includes(chosen)) {
    const list = offered.join(', ') || 'none'
    throw new InvalidEvent(
      `Subprotocol ${JSON.stringify(chosen)} was not offered by the client (offered: ${list}).`,
    )
  }
}

/**
 * Turns the `headers` of `websocket.accept` into 101 response lines.
 *
 * @throws InvalidEvent for a malformed pair, control characters (response
 * splitting) or a header the handshake owns (`Sec-WebSocket-*`, `Upgrade`).
 * @internal
 */
export function acceptHeaderLines(headers: unknown): string[] {
  if (!Array.isArray(headers))
    throw new InvalidEvent(`'websocket.accept' headers must be [name, value] pairs.`)
  const lines: string[] = []
  for (const pair of headers as unknown[]) {
    const [name, value] = Array.isArray(pair) ? (pair as unknown[]) : []
    if (!isValidHeader(name, value) || isReserved(name as string)) {
      throw new InvalidEvent(`Accept header ${JSON.stringify(pair)} is invalid or belongs to the handshake.`)
    }
    lines.push(`${name as string}: ${value as string}`)
  }
  return lines
}

function isReserved(name: string): boolean {
  const lower = name.toLowerCase()
  return RESERVED.has(lower) || lower.startsWith(RESERVED_PREFIX)
}

/**
 * Writes the head of a plain HTTP response on a raw socket. With `length`
 * the body is delimited by Content-Length; without, by closing the connection.
 * @internal
 */
export function writeResponseHead(socket: Duplex, status: number, headers: Headers, length?: number): void {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\nConnection: close\r\n`
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (lower === 'connection' || lower === 'content-length' || lower === 'transfer-encoding') continue
    head += `${name}: ${value}\r\n`
  }
  if (length !== undefined) head += `Content-Length: ${length}\r\n`
  socket.write(head + '\r\n')
}

/** Answers a handshake with a short plain-text response and closes the socket. @internal */
export function rejectHandshake(socket: Duplex, status: number, headers: Headers = []): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const body = Buffer.from(`${STATUS_CODES[status] ?? 'Error'}\n`)
  writeResponseHead(socket, status, [['content-type', 'text/plain; charset=utf-8'], ...headers], body.length)
  endSocket(socket, body)
}

/** Ends a socket after `last`, and destroys it once the bytes are flushed. @internal */
export function endSocket(socket: Duplex, last?: Uint8Array): void {
  socket.once('finish', () => socket.destroy())
  socket.end(last)
}
