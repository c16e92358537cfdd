/**
 * `WebsocketCsrfMiddleware`: requires a CSRF token, from the query string
 * or the first message, before a cookie-authenticated WebSocket may act.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import type { Application, Message, Receive, Send, WebsocketScope } from '../types.js'
import { checkCsrfToken } from './csrf-token.js'
import { deny } from './deny.js'

/** Options of `WebsocketCsrfMiddleware`. */
export interface WebsocketCsrfMiddlewareOptions {
  /**
   * Where the token comes from: `'query'` (`?csrf_token=…`, checked before
   * the handshake completes, refused with 403) or `'message'` (the first
   * frame: the token itself or JSON `{"csrfToken": "…"}`; a wrong one closes
   * with 4403).
   * @default 'query'
   */
  source?: 'query' | 'message'
  /** The query-string parameter. @default 'csrf_token' */
  queryParam?: string
  /** The JSON field of the first message. @default 'csrfToken' */
  messageField?: string
  /** With `source: 'message'`, how long the client has to send the token after accept, in ms. @default 10000 */
  messageTimeoutMs?: number
  /** The close code for a missing or wrong token in the first message. @default 4403 */
  closeCode?: number
}

/**
 * For applications that authenticate WebSockets with the session cookie: a
 * page on another site can open a socket that carries the user's cookie,
 * but it cannot read the CSRF token embedded in your page, so requiring it
 * stops cross-site WebSocket hijacking even where `Origin` checks are not
 * enough (non-browser clients, lax origin lists). Needs `SessionMiddleware`
 * outside it; tokens come from `getCsrfToken(scope)`.
 *
 * With `source: 'message'`, the connect reaches the application, but until
 * the first message has proven the token, nothing the application sends
 * reaches the client and the token message is not delivered to it.
 * HTTP scopes pass through unchanged.
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: AllowedHostsOriginValidator(AuthMiddlewareStack(WebsocketCsrfMiddleware(URLRouter(routes)))),
 * })
 * // page: new WebSocket(`wss://chat.example.com/ws/?csrf_token=${encodeURIComponent(token)}`)
 * ```
 */
export function WebsocketCsrfMiddleware(
  inner: Application,
  options: WebsocketCsrfMiddlewareOptions = {},
): Application {
  assertApplication(inner, 'WebsocketCsrfMiddleware(inner)')
  const source = options.source ?? 'query'
  const queryParam = options.queryParam ?? 'csrf_token'
  const messageField = options.messageField ?? 'csrfToken'
  const timeoutMs = options.messageTimeoutMs ?? 10_000
  const closeCode = options.closeCode ?? 4403
  if (source !== 'query' && source !== 'message') {
    throw new ImproperlyConfigured(`WebsocketCsrfMiddleware source must be 'query' or 'message'.`)
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ImproperlyConfigured('WebsocketCsrfMiddleware messageTimeoutMs must be a positive number.')
  }

  return async function WebsocketCsrfMiddleware(scope, receive, send) {
    if (scope.type !== 'websocket') return inner(scope, receive, send)
    if (scope.session === undefined) {
      throw new ImproperlyConfigured(
        'WebsocketCsrfMiddleware found no scope.session; put SessionMiddlewareStack or AuthMiddlewareStack outside it.',
      )
    }
    if (source === 'query') {
      const token = new URLSearchParams(scope.queryString).get(queryParam)
      if (!checkCsrfToken(scope.session, token)) return deny(scope, receive, send, 403, 'CSRF check failed.')
      return inner(scope, receive, send)
    }
    const guard = new FirstMessageGuard(scope, receive, send, { messageField, timeoutMs, closeCode })
    return inner(scope, guard.receive, guard.send)
  }
}

/** Holds back the application's frames until the first client frame has proven the CSRF token. */
class FirstMessageGuard {
  #verified = false
  #closed = false
  #pending: Message[] = []
  #timer: NodeJS.Timeout | undefined
  #timedOut: Promise<Message> | undefined
  readonly #scope: WebsocketScope
  readonly #receive: Receive
  readonly #send: Send
  readonly #options: { messageField: string; timeoutMs: number; closeCode: number }

  constructor(
    scope: WebsocketScope,
    receive: Receive,
    send: Send,
    options: { messageField: string; timeoutMs: number; closeCode: number },
  ) {
    this.#scope = scope
    this.#receive = receive
    this.#send = send
    this.#options = options
  }

  readonly receive = async (): Promise<Message> => {
    if (this.#verified || this.#closed) return this.#receive()
    const next =
      this.#timedOut === undefined ? this.#receive() : Promise.race([this.#receive(), this.#timedOut])
    const event = await next
    if (event.type !== 'websocket.receive' || this.#closed) return event
    clearTimeout(this.#timer)
    if (!checkCsrfToken(this.#scope.session!, this.#tokenOf(event))) return this.#refuse()
    this.#verified = true
    for (const held of this.#pending.splice(0)) await this.#send(held)
    // The token frame was for the middleware, not the application.
    return this.receive()
  }

  readonly send = async (message: Message): Promise<void> => {
    if (message.type === 'websocket.accept' && !this.#verified) {
      this.#timedOut = new Promise((resolve) => {
        this.#timer = setTimeout(() => void this.#refuse().then(resolve), this.#options.timeoutMs)
        this.#timer.unref()
      })
    }
    if (message.type === 'websocket.send' && !this.#verified) {
      if (!this.#closed) this.#pending.push(message)
      return
    }
    if (message.type === 'websocket.close') clearTimeout(this.#timer)
    if (this.#closed && message.type === 'websocket.close') return
    return this.#send(message)
  }

  async #refuse(): Promise<Message> {
    if (!this.#closed) {
      this.#closed = true
      this.#pending = []
      await this.#send({
        type: 'websocket.close',
        code: this.#options.closeCode,
        reason: 'CSRF check failed',
      })
    }
    return { type: 'websocket.disconnect', code: this.#options.closeCode }
  }

  #tokenOf(event: Message): unknown {
    const text = (event as { text?: unknown }).text
    if (typeof text !== 'string') return undefined
    if (!text.startsWith('{')) return text.trim()
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>
      return parsed?.[this.#options.messageField]
    } catch {
      return undefined
    }
  }
}
