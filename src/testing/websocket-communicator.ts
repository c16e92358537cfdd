/**
 * `WebsocketCommunicator`: drives a WebSocket application as a client would,
 * without a socket.
 *
 * @module
 */

import { CommunicatorTimeout, UnexpectedEvent } from '../errors.js'
import { CONNECT_NOT_ANSWERED } from '../server/websocket-handshake.js'
import type {
  Application,
  HeaderPairs,
  HostPort,
  LayerMessage,
  Message,
  WebsocketHttpResponseStartEvent,
  WebsocketScope,
} from '../types.js'
import { ApplicationCommunicator, DEFAULT_TIMEOUT_MS } from './application-communicator.js'
import { scopeFromPath } from './scope-from-path.js'

/** Options of a `WebsocketCommunicator`. */
export interface WebsocketCommunicatorOptions {
  /** Handshake headers, names in lower case (`[['origin', 'https://example.com']]`). @default [] */
  headers?: HeaderPairs
  /** Subprotocols the client offers. @default [] */
  subprotocols?: string[]
  /** The client's address. @default ['127.0.0.1', 50000] */
  client?: HostPort | null
  /** Extra scope fields, merged last (e.g. a prepared `user` or `session`). @default {} */
  scope?: Partial<WebsocketScope>
}

/** What `connect()` learned from the handshake. */
export interface ConnectResult {
  /** The application accepted the connection. */
  connected: boolean
  /** The subprotocol it chose, if any. */
  subprotocol: string | null
  /** Headers it added to the handshake response. */
  headers: HeaderPairs
  /** When it refused with a close: the code (1000 when it gave none). */
  closeCode?: number
  /** When it refused with a close: the reason. */
  closeReason?: string
  /** When it refused with a denial response: its status and body. */
  response?: { status: number; headers: HeaderPairs; body: Uint8Array }
}

/**
 * Plays a WebSocket client against an application: `connect()`, `sendTo()`,
 * `receiveFrom()`, `disconnect()`. Timeouts are in milliseconds.
 *
 * @example
 * ```ts
 * const communicator = new WebsocketCommunicator(application, '/ws/chat/lobby/')
 * const { connected } = await communicator.connect()
 * expect(connected).toBe(true)
 * await communicator.sendJsonTo({ action: 'message', data: { text: 'hi' } })
 * expect(await communicator.receiveJsonFrom()).toMatchObject({ action: 'message' })
 * await communicator.disconnect()
 * ```
 */
export class WebsocketCommunicator extends ApplicationCommunicator {
  declare readonly scope: WebsocketScope
  #connected = false

  constructor(app: Application, path: string, options: WebsocketCommunicatorOptions = {}) {
    const scope: WebsocketScope = {
      type: 'websocket',
      ...scopeFromPath(path),
      scheme: 'ws',
      httpVersion: '1.1',
      headers: options.headers ?? [],
      subprotocols: options.subprotocols ?? [],
      client: options.client === undefined ? ['127.0.0.1', 50000] : options.client,
      server: ['testserver', 80],
      ...options.scope,
    }
    super(app, scope)
  }

  /** Opens the connection and reports whether the application accepted it. */
  async connect(timeout = DEFAULT_TIMEOUT_MS): Promise<ConnectResult> {
    await this.sendInput({ type: 'websocket.connect' })
    let answer: LayerMessage
    try {
      answer = await this.receiveOutput(timeout)
    } catch (error) {
      if (error instanceof CommunicatorTimeout && this.waitingForInput) {
        throw new CommunicatorTimeout(`${CONNECT_NOT_ANSWERED}; waited ${timeout} ms.`, { cause: error })
      }
      throw error
    }
    switch (answer.type) {
      case 'websocket.accept':
        this.#connected = true
        return {
          connected: true,
          subprotocol: (answer.subprotocol as string | null | undefined) ?? null,
          headers: (answer.headers as HeaderPairs | undefined) ?? [],
        }
      case 'websocket.close':
        return {
          connected: false,
          subprotocol: null,
          headers: [],
          closeCode: (answer.code as number | undefined) ?? 1000,
          ...(typeof answer.reason === 'string' ? { closeReason: answer.reason } : {}),
        }
      case 'websocket.http.response.start':
        return {
          connected: false,
          subprotocol: null,
          headers: [],
          response: await this.#readDenial(answer as unknown as WebsocketHttpResponseStartEvent, timeout),
        }
      default:
        throw new UnexpectedEvent(
          `Expected websocket.accept, websocket.close or a denial response after websocket.connect; got ${answer.type}.`,
          answer,
        )
    }
  }

  /**
   * Sends one frame: a string as text, a `Uint8Array` as binary, or
   * `{ text }` / `{ bytes }`.
   */
  async sendTo(data: string | Uint8Array | { text: string } | { bytes: Uint8Array }): Promise<void> {
    if (typeof data === 'string') return this.sendInput({ type: 'websocket.receive', text: data })
    if (data instanceof Uint8Array) return this.sendInput({ type: 'websocket.receive', bytes: data })
    if ('text' in data) return this.sendInput({ type: 'websocket.receive', text: data.text })
    return this.sendInput({ type: 'websocket.receive', bytes: data.bytes })
  }

  /** Sends `data` as one JSON text frame. */
  async sendJsonTo(data: unknown): Promise<void> {
    await this.sendTo(JSON.stringify(data))
  }

  /**
   * The next frame the application sent: a string for text, a `Uint8Array`
   * for binary. Throws `UnexpectedEvent` if it sent anything else (a close).
   */
  async receiveFrom(timeout = DEFAULT_TIMEOUT_MS): Promise<string | Uint8Array> {
    const event = await this.receiveOutput(timeout)
    if (event.type !== 'websocket.send') {
      throw new UnexpectedEvent(`Expected a websocket.send; the application sent ${describe(event)}.`, event)
    }
    if (typeof event.text === 'string') return event.text
    if (event.bytes instanceof Uint8Array) return event.bytes
    throw new UnexpectedEvent('The application sent a websocket.send with neither text nor bytes.', event)
  }

  /** The next frame, parsed as JSON. Throws `UnexpectedEvent` for a binary frame. */
  async receiveJsonFrom(timeout = DEFAULT_TIMEOUT_MS): Promise<unknown> {
    const frame = await this.receiveFrom(timeout)
    if (typeof frame !== 'string') {
      throw new UnexpectedEvent('Expected a JSON text frame; the application sent a binary frame.', frame)
    }
    return JSON.parse(frame) as unknown
  }

  /** Closes the connection from the client side and waits for the application to finish. */
  async disconnect(code = 1000, timeout = DEFAULT_TIMEOUT_MS): Promise<void> {
    if (!this.finished) await this.sendInput({ type: 'websocket.disconnect', code })
    this.#connected = false
    await this.wait(timeout)
  }

  /** Whether the handshake was accepted and the client has not disconnected. */
  get connected(): boolean {
    return this.#connected
  }

  async #readDenial(
    start: WebsocketHttpResponseStartEvent,
    timeout: number,
  ): Promise<{ status: number; headers: HeaderPairs; body: Uint8Array }> {
    const chunks: Uint8Array[] = []
    for (;;) {
      const event = await this.receiveOutput(timeout)
      if (event.type !== 'websocket.http.response.body') {
        throw new UnexpectedEvent(`Expected websocket.http.response.body; got ${event.type}.`, event)
      }
      if (event.body instanceof Uint8Array) chunks.push(event.body)
      if (event.moreBody !== true) break
    }
    return {
      status: start.status,
      headers: start.headers ?? [],
      body: Buffer.concat(chunks),
    }
  }
}

function describe(event: Message): string {
  if (event.type === 'websocket.close') {
    const reason = typeof event.reason === 'string' && event.reason !== '' ? ` (${event.reason})` : ''
    return `websocket.close with code ${String(typeof event.code === 'number' ? event.code : 1000)}${reason}`
  }
  return event.type
}
