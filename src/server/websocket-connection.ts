/**
 * One WebSocket from handshake to close, as an application sees it through
 * `receive()` and `send()`. The handshake waits for the application's
 * answer; frames are queued in order until it asks for them (and the socket
 * stops reading when too many wait, or they hold half the connection's byte
 * budget); `send()` resolves at once while the outbound buffer is low, waits
 * for the socket to drain above the high-water mark, and closes the
 * connection with 1013 above the hard limit. What one connection holds,
 * queued frames and unwritten sends together, is bounded by
 * `connectionBufferLimit`; a client that reads nothing of what waits for it
 * for `idleReaderTimeout` is closed with 1013 too. The application gets
 * exactly one `websocket.disconnect`, whatever ended the connection.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

import type { WebSocket } from 'ws'

import { CloseCode, closeCodeOfError } from './close-codes.js'
import type { ServerContext } from './context.js'
import { DenialResponse } from './denial-response.js'
import { Inbox } from './inbox.js'
import { isExpectedError } from './app-runner.js'
import { kConnectionProbe, newProbe } from './observer.js'
import type { ConnectionProbe, ServerObserver, SlowClientReason } from './observer.js'
import { SendBuffer } from './send-buffer.js'
import { connectionSubject } from './access-log.js'
import type { LogSubject } from './access-log.js'
import { buildWebsocketScope } from './scope.js'
import { readControlEvent } from './websocket-control-event.js'
import type { ConnectionState } from './websocket-control-event.js'
import {
  CONNECT_NOT_ANSWERED,
  acceptHeaderLines,
  checkSubprotocol,
  rejectHandshake,
} from './websocket-handshake.js'
import { actionAfterApplication } from './websocket-app-end.js'
import { watchRawSocket, watchWebSocket } from './websocket-listeners.js'
import type { SocketEvents } from './websocket-listeners.js'
import { beforeFrame } from './write-coalescing.js'
import { InvalidEvent } from '../errors.js'
import type { Headers, Message, WebsocketScope, WebsocketSendEvent } from '../types.js'
import { rejectWith } from '../util/reject-with.js'
import { RESOLVED } from '../util/resolved.js'

const WS_OPEN = 1
/** The close code the auth middlewares and the seeds use for a failed authentication. */
const AUTH_FAILED_CLOSE = 4401
const NO_LINES: string[] = []

/** What a connection needs from the handler that owns it. @internal */
export interface ConnectionOwner {
  readonly ctx: ServerContext
  /** Completes the handshake through `ws`; calls `onOpen()` synchronously, or never when the socket died. */
  upgrade(connection: WebsocketConnection, req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Forgets a connection that is gone. */
  release(connection: WebsocketConnection): void
}

/** One WebSocket connection. @internal */
export class WebsocketConnection implements SocketEvents {
  // The scope goes to the application; the connection keeps only what its
  // log lines and warnings name, and the offered subprotocols.
  #scope: WebsocketScope | null
  #subject: LogSubject
  #offered: readonly string[]
  /** The subprotocol chosen in `websocket.accept`, read by the handshake. */
  subprotocol: string | null = null
  /** Extra 101 header lines chosen in `websocket.accept`, read by the handshake. */
  acceptHeaderLines: string[] = NO_LINES
  /** Liveness: the number of the ping sweep whose pong is still missing, or 0. */
  awaitingPong = 0
  #owner: ConnectionOwner
  #ctx: ServerContext
  // Both are let go once the upgrade is done: an IncomingMessage with its headers is
  // kilobytes, and an idle connection holding it would pay for it for its whole life.
  #req: IncomingMessage | null
  #socket: Duplex
  #head: Buffer | null
  #ws: WebSocket | null = null
  #state: ConnectionState = 'connecting'
  #inbox: Inbox
  #rejected = false
  #closeCode = 0
  #closeReason = ''
  #denial: DenialResponse | null = null
  #timer: NodeJS.Timeout | undefined
  // Made on the first send that finds the socket backed up; most connections never need one.
  #sendBuffer: SendBuffer | null = null
  /** The event-loop turn of the last frame sent, for write coalescing. */
  #frameTurn = 0
  /** The server's observer, or null when nothing measures it (one check per event). */
  readonly #observer: ServerObserver | null
  /** What the application's routers and auth wrote about this connection (only when observed). */
  #probe: ConnectionProbe | null = null

  /** The application's `send()`; `websocket.send` on an open socket is the fast path. */
  // Bound once here rather than written as an arrow field: under a transpiler
  // that keeps function names, an arrow field costs a name property of its
  // own on every connection.
  readonly send: (message: Message) => Promise<void>

  constructor(owner: ConnectionOwner, req: IncomingMessage, socket: Duplex, head: Buffer) {
    this.#owner = owner
    this.#ctx = owner.ctx
    this.#req = req
    this.#socket = socket
    this.#head = head
    const { maxQueuedMessages, connectionBufferLimit } = this.#ctx.options
    this.#inbox = new Inbox(maxQueuedMessages, connectionBufferLimit / 2)
    const scope = buildWebsocketScope(req, this.#ctx.options)
    this.#observer = this.#ctx.observer
    if (this.#observer !== null) {
      this.#probe = newProbe(this.#observer)
      ;(scope as WebsocketScope & { [kConnectionProbe]?: ConnectionProbe })[kConnectionProbe] = this.#probe
    }
    this.#scope = scope
    this.#subject = connectionSubject(scope, this.#ctx.accessLog.enabled, this.#ctx.ids.next())
    this.#offered = scope.subprotocols
    this.send = this.#send.bind(this)
  }

  /** True after accept, until the close starts. */
  get isOpen(): boolean {
    return this.#state === 'open'
  }

  /** True while the socket is paused because the application is behind on `receive()`. */
  get isPaused(): boolean {
    return this.#inbox.paused
  }

  /** Starts the application with `websocket.connect` waiting in its queue. */
  start(): void {
    this.#ctx.accessLog.websocket(this.#subject, 'WSCONNECTING')
    watchRawSocket(this.#socket, this)
    this.#timer = setTimeout(() => this.#onHandshakeTimeout(), this.#ctx.options.handshakeTimeout)
    this.#inbox.push({ type: 'websocket.connect' })
    const scope = this.#scope!
    this.#scope = null
    void this.#ctx.runner.run(this.#ctx.app, scope, this.receive, this.send, (error) =>
      this.#onAppDone(error),
    )
  }

  /** The application's `receive()`. */
  get receive(): () => Promise<Message> {
    return this.#inbox.receive
  }

  #send(message: Message): Promise<void> {
    if (message.type === 'websocket.send' && this.#state === 'open') {
      const ws = this.#ws!
      if (ws.readyState !== WS_OPEN) return RESOLVED
      const { text, bytes } = message as WebsocketSendEvent
      const data = text ?? bytes
      if (data == null) return rejectWith(new InvalidEvent(`'websocket.send' needs 'text' or 'bytes'.`))
      this.#frameTurn = beforeFrame(this.#socket, this.#frameTurn)
      ws.send(data)
      if (this.#observer !== null) this.#observer.frameSent(data)
      const buffered = ws.bufferedAmount
      return buffered <= this.#ctx.options.sendHighWaterMark ? RESOLVED : this.#backpressure(buffered)
    }
    try {
      return this.#sendSlow(message)
    } catch (error) {
      return rejectWith(error)
    }
  }

  /** Sends a liveness ping stamped with the sweep number, paused or not. */
  ping(sweep: number): void {
    if (this.#state !== 'open') return
    this.awaitingPong = sweep
    this.#ws!.ping()
  }

  /** Drops a peer that did not answer a ping in time. */
  terminateDead(): void {
    if (this.#state !== 'open') return
    this.#closeBy(CloseCode.ABNORMAL, 'ping timeout')
    this.#ws!.terminate()
  }

  /** Shutdown: 1001 for open sockets, 503 for handshakes still waiting. */
  shutdown(): void {
    if (this.#state === 'connecting') this.#reject(503)
    else if (this.#state === 'open') this.#close(CloseCode.GOING_AWAY, 'Server shutting down')
  }

  /** The last resort after the close timeout: destroys the socket, whatever its state. */
  destroy(): void {
    if (this.#ws) this.#ws.terminate()
    else this.#socket.destroy()
  }

  /** Called by the handler once `ws` has completed the handshake. */
  onOpen(ws: WebSocket): void {
    this.#ws = ws
    this.#state = 'open'
    if (this.#observer !== null) {
      this.#observer.handshake(101)
      this.#observer.websocketOpened(this.#probe!.route)
    }
    this.#ctx.accessLog.websocket(this.#subject, 'WSCONNECT', 101)
    this.#inbox.attach(ws)
    watchWebSocket(ws, this)
  }

  /** @internal */
  onSocketClose(): void {
    if (this.#ws === null) this.#gone(CloseCode.ABNORMAL, '')
  }

  /** @internal */
  onFrame(data: Buffer, isBinary: boolean): void {
    this.awaitingPong = 0
    if (this.#observer !== null) this.#observer.frameReceived(data.length)
    const waiting = this.#inbox.push(
      isBinary
        ? { type: 'websocket.receive', bytes: data }
        : { type: 'websocket.receive', text: data.toString() },
      data.length,
    )
    // Only a frame that has to wait can take the connection over its budget.
    if (waiting !== 0 && this.#state === 'open') {
      const outbound = this.#ws!.bufferedAmount
      if (waiting + outbound > this.#ctx.options.connectionBufferLimit) this.#overBudget(outbound)
    }
  }

  /** @internal */
  onPong(): void {
    this.awaitingPong = 0
  }

  /** @internal */
  onProtocolError(error: Error): void {
    // Protocol errors (oversize, bad UTF-8, bad framing) end the socket
    // without a close frame from the peer; remember the code ws sent.
    this.#closeBy(closeCodeOfError(error), '')
  }

  /** @internal */
  onClose(code: number, reason: Buffer): void {
    if (this.#closeCode) this.#gone(this.#closeCode, this.#closeReason)
    else this.#gone(code, reason.toString())
  }

  #sendSlow(message: Message): Promise<void> {
    const action = readControlEvent(message, this.#state)
    switch (action.kind) {
      case 'accept':
        this.#accept(action.subprotocol, action.headers)
        break
      case 'reject':
        // A 4401 close before accept is an authentication refusal, though the client sees 403.
        if (action.code === AUTH_FAILED_CLOSE && this.#observer !== null) this.#observer.auth('refused')
        this.#reject(403, action.reason)
        break
      case 'close':
        this.#close(action.code, action.reason)
        break
      case 'deny':
        this.#denial = new DenialResponse(this.#socket, action.start)
        this.#clearTimer()
        this.#state = 'denying'
        break
      case 'deny-body':
        if (this.#denial!.write(action.body)) {
          this.#rejected = true
          this.#observeRefusal(this.#denial!.status)
          this.#ctx.accessLog.websocket(this.#subject, 'WSREJECT', this.#denial!.status)
          this.#gone(CloseCode.ABNORMAL, '')
        }
        break
      case 'none':
        break
    }
    return RESOLVED
  }

  #accept(subprotocol: string | null, headers: Headers): void {
    checkSubprotocol(this.#offered, subprotocol)
    const lines = acceptHeaderLines(headers)
    this.#clearTimer()
    this.subprotocol = subprotocol
    if (lines.length > 0) this.acceptHeaderLines = lines
    this.#state = 'upgrading'
    this.#owner.upgrade(this, this.#req!, this.#socket, this.#head!)
    this.#req = null
    this.#head = null
    // `ws` completes synchronously; still upgrading means it found the socket dead.
    if (this.#state === 'upgrading') this.#gone(CloseCode.ABNORMAL, '')
  }

  #reject(status: number, reason = ''): void {
    this.#clearTimer()
    this.#rejected = true
    this.#observeRefusal(status)
    this.#ctx.accessLog.websocket(this.#subject, 'WSREJECT', status, reason)
    rejectHandshake(this.#socket, status)
    this.#gone(CloseCode.ABNORMAL, '')
  }

  #close(code: number, reason: string): void {
    this.#closeBy(code, reason)
    this.#ws!.close(code, reason)
  }

  #closeBy(code: number, reason: string): void {
    if (!this.#closeCode) {
      this.#closeCode = code
      this.#closeReason = reason
    }
    this.#state = 'closed'
  }

  #clearTimer(): void {
    // Dropping the reference matters as much as clearing: a cleared Timeout
    // and its callback would otherwise stay for the connection's whole life.
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #backpressure(buffered: number): Promise<void> {
    const { sendBufferLimit, connectionBufferLimit, sendHighWaterMark, idleReaderTimeout } = this.#ctx.options
    if (buffered > sendBufferLimit) {
      this.#shed(`${buffered} bytes wait for a client that does not read`, 'Client too slow', 'send_buffer')
      return RESOLVED
    }
    if (buffered + this.#inbox.bytes > connectionBufferLimit) {
      this.#overBudget(buffered)
      return RESOLVED
    }
    if (this.#observer !== null) this.#observer.backpressure()
    this.#sendBuffer ??= new SendBuffer(this.#socket, this.#ws!, sendHighWaterMark, idleReaderTimeout, () =>
      this.#onIdleReader(),
    )
    return this.#sendBuffer.drained()
  }

  #overBudget(outbound: number): void {
    const received = this.#inbox.bytes
    this.#shed(
      `it holds ${received + outbound} bytes (${received} received and not yet taken by the application, ` +
        `${outbound} waiting to be written), over connectionBufferLimit (${this.#ctx.options.connectionBufferLimit})`,
      'Client too slow',
      'connection_buffer',
    )
  }

  #onIdleReader(): void {
    if (this.#state !== 'open') return
    const { idleReaderTimeout } = this.#ctx.options
    this.#shed(
      `the client read nothing for ${idleReaderTimeout} ms while ${this.#ws!.bufferedAmount} bytes waited ` +
        `for it (idleReaderTimeout)`,
      'Client stopped reading',
      'idle_reader',
    )
  }

  /**
   * Closes with 1013 a connection that holds too much or whose client stopped
   * reading, and lets go of what it holds: the frames the application has not
   * taken are dropped, so its next `receive()` is the disconnect.
   */
  #shed(why: string, reason: string, kind: SlowClientReason): void {
    this.#ctx.log.warn(`Closing WebSocket ${this.#subject.rawPath} with 1013: ${why}.`, this.#subject.conn)
    if (this.#observer !== null) this.#observer.slowClientClosed(kind)
    const { pingTimeout } = this.#ctx.options
    this.#inbox.discard()
    this.#close(CloseCode.TRY_AGAIN_LATER, reason)
    // The client is not reading, so it will not answer the close frame
    // soon: tell the application now and free the socket after a grace period.
    this.#gone(CloseCode.TRY_AGAIN_LATER, reason)
    const ws = this.#ws!
    setTimeout(() => ws.terminate(), Math.min(pingTimeout || 5000, 5000)).unref()
  }

  #onHandshakeTimeout(): void {
    if (this.#state !== 'connecting') return
    const { handshakeTimeout } = this.#ctx.options
    const where = this.#subject.rawPath
    this.#ctx.log.warn(
      this.#inbox.waiting
        ? `${CONNECT_NOT_ANSWERED}. Sent 503 to the WebSocket handshake for ${where} after ${handshakeTimeout} ms.`
        : `No answer to the WebSocket handshake for ${where} in ${handshakeTimeout} ms (the application is ` +
            `still handling websocket.connect); sent 503.`,
      this.#subject.conn,
    )
    this.#reject(503)
  }

  #onAppDone(error: unknown): void {
    const denialStarted = this.#denial?.started === true
    if (error !== undefined && this.#observer !== null && !isExpectedError(error)) {
      this.#observer.applicationError('websocket')
    }
    const action = actionAfterApplication(
      this.#state,
      error,
      denialStarted,
      this.#ctx.log.forConnection(this.#subject.conn!),
      this.#subject.rawPath,
    )
    if (action.kind === 'reject') this.#reject(action.status)
    else if (action.kind === 'destroy') this.#socket.destroy()
    else if (action.kind === 'close') this.#close(action.code, action.reason)
  }

  #gone(code: number, reason: string): void {
    this.#clearTimer()
    this.#state = 'closed'
    this.#sendBuffer?.stop()
    const event = reason
      ? { type: 'websocket.disconnect', code, reason }
      : { type: 'websocket.disconnect', code }
    if (!this.#inbox.finish(event)) return
    if (!this.#rejected) this.#ctx.accessLog.websocket(this.#subject, 'WSDISCONNECT', code, reason)
    if (this.#observer !== null && this.#ws !== null) {
      // A code the server did not send is the client's word, so it only counts as the client's.
      const byServer = this.#closeCode !== 0 && code === this.#closeCode
      this.#observer.websocketClosed(this.#probe!.route, code, byServer)
      if (byServer && code === AUTH_FAILED_CLOSE) this.#observer.auth('refused')
    }
    this.#owner.release(this)
  }

  #observeRefusal(status: number): void {
    if (this.#observer === null) return
    this.#observer.handshake(status)
    if (status === 401) this.#observer.auth('refused')
  }
}
