/**
 * The socket listeners of every WebSocket connection: one set of functions
 * for the whole server, each finding its connection through a symbol on
 * the socket that fired it. Closures per connection (five of them, each
 * with a context) would cost more than the rest of an idle connection's
 * own state.
 *
 * @module
 * @internal
 */

import type { Duplex } from 'node:stream'

import type { WebSocket } from 'ws'

/** What the listeners report to. @internal */
export interface SocketEvents {
  /** The raw socket closed; only matters before `ws` took it over. */
  onSocketClose(): void
  onFrame(data: Buffer, isBinary: boolean): void
  onPong(): void
  onProtocolError(error: Error): void
  onClose(code: number, reason: Buffer): void
}

const OWNER = Symbol('tschannels.connection')

type Owned = { [OWNER]: SocketEvents }

/** Reports the raw socket's `close` to `events`, until `ws` takes the socket over. @internal */
export function watchRawSocket(socket: Duplex, events: SocketEvents): void {
  ;(socket as Duplex & Owned)[OWNER] = events
  socket.on('close', onSocketClose)
}

/** Reports `ws`'s frames, pongs, errors and close to `events`. @internal */
export function watchWebSocket(ws: WebSocket, events: SocketEvents): void {
  ;(ws as WebSocket & Owned)[OWNER] = events
  ws.on('message', onMessage)
  ws.on('pong', onPong)
  ws.on('error', onError)
  ws.on('close', onClose)
}

function onSocketClose(this: Duplex): void {
  ;(this as Duplex & Owned)[OWNER].onSocketClose()
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  ;(this as WebSocket & Owned)[OWNER].onFrame(data, isBinary)
}

function onPong(this: WebSocket): void {
  ;(this as WebSocket & Owned)[OWNER].onPong()
}

function onError(this: WebSocket, error: Error): void {
  ;(this as WebSocket & Owned)[OWNER].onProtocolError(error)
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  ;(this as WebSocket & Owned)[OWNER].onClose(code, reason)
}
