/**
 * The WebSocket side of a server: takes `upgrade` events from a Node HTTP
 * server, checks the handshake, starts one application per connection, and
 * lets `ws` finish the handshake only when the application accepts. It owns
 * the set of live connections, which liveness pings and shutdown walk.
 *
 * `ws` runs in `noServer` mode so the HTTP server (ours, or the user's with
 * `attach()`) stays in charge of the port.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

import { WebSocketServer } from 'ws'

import type { ServerContext } from './context.js'
import { Liveness } from './liveness.js'
import { WebsocketConnection } from './websocket-connection.js'
import type { ConnectionOwner } from './websocket-connection.js'
import { checkHandshake, rejectHandshake } from './websocket-handshake.js'

const noop = (): void => {}

/** Accepts WebSocket upgrades for one application. @internal */
export class WebsocketHandler implements ConnectionOwner {
  readonly ctx: ServerContext
  readonly connections = new Set<WebsocketConnection>()
  #wss: WebSocketServer
  #pending = new WeakMap<IncomingMessage, WebsocketConnection>()
  #liveness: Liveness

  constructor(ctx: ServerContext) {
    this.ctx = ctx
    const { maxMessageSize, perMessageDeflate, pingInterval, pingTimeout } = ctx.options
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: maxMessageSize,
      perMessageDeflate,
      handleProtocols: (_offered, req) => this.#pending.get(req)?.subprotocol ?? false,
    })
    // The 101 response is assembled by ws; this hook is where the
    // application's accept headers join it.
    this.#wss.on('headers', (lines: string[], req: IncomingMessage) => {
      const connection = this.#pending.get(req)
      if (connection) lines.push(...connection.acceptHeaderLines)
    })
    this.#liveness = new Liveness(this.connections, pingInterval, pingTimeout)
  }

  /** The `upgrade` listener to put on an HTTP server. */
  onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Until ws takes the socket over, an error on it (a reset) must not be unhandled.
    socket.on('error', noop)
    try {
      this.#handshake(req, socket, head)
    } catch (error) {
      // A bug of ours on one handshake must not crash the process and every other connection.
      this.ctx.log.error(`Internal error during the WebSocket handshake for ${req.url}.`, error)
      socket.destroy()
    }
  }

  #handshake(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.ctx.draining) {
      this.ctx.observer?.handshake(503)
      this.ctx.accessLog.websocket(logSubject(req), 'WSREJECT', 503)
      rejectHandshake(socket, 503)
      return
    }
    const problem = checkHandshake(req)
    if (problem !== null) {
      this.ctx.observer?.handshake(problem.status)
      this.ctx.accessLog.websocket(logSubject(req), 'WSREJECT', problem.status, problem.reason)
      rejectHandshake(socket, problem.status, problem.headers)
      return
    }
    const connection = new WebsocketConnection(this, req, socket, head)
    this.connections.add(connection)
    this.#liveness.start()
    connection.start()
  }

  upgrade(connection: WebsocketConnection, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#pending.set(req, connection)
    try {
      this.#wss.handleUpgrade(req, socket, head, (ws) => connection.onOpen(ws))
    } finally {
      this.#pending.delete(req)
    }
  }

  release(connection: WebsocketConnection): void {
    this.connections.delete(connection)
    if (this.connections.size === 0) this.#liveness.stop()
  }

  /**
   * Closes every connection with 1001 (handshakes in progress get 503), in
   * batches spread evenly over `window` ms so clients do not all reconnect
   * in the same instant. Resolves when the last batch has been closed.
   */
  async drain(window: number): Promise<void> {
    const all = [...this.connections]
    if (all.length === 0) return
    const batches = Math.max(1, Math.min(all.length, Math.floor(window / 25)))
    const size = Math.ceil(all.length / batches)
    const pause = batches > 1 ? window / batches : 0
    for (let i = 0; i < all.length; i += size) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, pause))
      for (const connection of all.slice(i, i + size)) connection.shutdown()
    }
  }

  /** Destroys whatever is still open and stops the timers. */
  destroy(): void {
    for (const connection of [...this.connections]) connection.destroy()
    this.connections.clear()
    this.#liveness.stop()
    this.#wss.close()
  }
}

function logSubject(req: IncomingMessage) {
  const url = req.url ?? '/'
  const question = url.indexOf('?')
  return {
    client: req.socket.remoteAddress
      ? ([req.socket.remoteAddress, req.socket.remotePort ?? 0] as const)
      : null,
    rawPath: question === -1 ? url : url.slice(0, question),
    queryString: question === -1 ? '' : url.slice(question + 1),
  }
}
