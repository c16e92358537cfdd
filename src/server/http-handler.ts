/**
 * One HTTP request as an application sees it: the body pulled from the
 * socket in chunks as the application asks (`http.request` with `moreBody`),
 * the response written as it arrives (`http.response.start`, then body
 * chunks, streaming when `moreBody` is true), and `http.disconnect` once the
 * response is complete or the client has gone. Whatever the application does
 * wrong turns into a status line and a log entry, never a stack trace on the
 * wire.
 *
 * @module
 */

import { STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'

import { isExpectedError, statusForError } from './app-runner.js'
import type { ServerContext } from './context.js'
import { kNodeExchange } from './node-exchange.js'
import type { NodeExchange } from './node-exchange.js'
import { invalidRequestReason, isValidHeader } from './request-validation.js'
import { answerProbe } from './health.js'
import { kConnectionProbe, newProbe } from './observer.js'
import type { ConnectionProbe } from './observer.js'
import { buildHttpScope } from './scope.js'
import { InvalidEvent, UnknownScopeType } from '../errors.js'
import type { Headers, HttpDisconnectEvent, HttpRequestEvent, HttpScope, Message } from '../types.js'

const DISCONNECT: HttpDisconnectEvent = Object.freeze({ type: 'http.disconnect' })
const EMPTY = new Uint8Array(0)

/** Serves one request with the context's application. @internal */
export function handleHttpRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  if (ctx.options.healthPath !== undefined && answerProbe(ctx, req, res)) return
  const invalid = invalidRequestReason(req)
  if (invalid !== null) {
    res.shouldKeepAlive = false
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
    res.end(`Bad Request: ${invalid}\n`)
    return
  }
  new HttpExchange(ctx, req, res).start()
}

class HttpExchange implements NodeExchange {
  #ctx: ServerContext
  #req: IncomingMessage
  #res: ServerResponse
  #scope: HttpScope
  #status = 0
  #headers: Headers = []
  #started = false
  #headWritten = false
  #finished = false
  #gone = false
  #bodyDone = false
  #usedByApp = false
  #takenOver = false
  #bytes = 0
  #timer: NodeJS.Timeout | undefined
  #goneWaiters: Array<() => void> = []
  readonly #conn: string
  #probe: ConnectionProbe | undefined

  constructor(ctx: ServerContext, req: IncomingMessage, res: ServerResponse) {
    this.#ctx = ctx
    this.#req = req
    this.#res = res
    this.#scope = buildHttpScope(req, ctx.options)
    this.#conn = ctx.ids.next()
    if (ctx.observer !== null) {
      ctx.observer.httpStarted()
      this.#probe = newProbe(ctx.observer)
      ;(this.#scope as HttpScope & { [kConnectionProbe]?: ConnectionProbe })[kConnectionProbe] = this.#probe
    }
    // Enumerable, so that middleware's `{ ...scope }` copies carry it; a Symbol
    // key still stays out of JSON and Object.keys().
    ;(this.#scope as HttpScope & { [kNodeExchange]?: NodeExchange })[kNodeExchange] = this
  }

  start(): void {
    const { options, runner } = this.#ctx
    if (this.#ctx.draining) this.#res.shouldKeepAlive = false
    this.#res.once('close', () => this.#onClose())
    this.#timer = setTimeout(() => this.#onTimeout(), options.httpResponseTimeout)
    void runner
      .run(
        this.#ctx.app,
        this.#scope,
        () => this.#receive(),
        (message) => this.#send(message),
      )
      .then((error) => this.#onAppDone(error))
  }

  takeOver(): { req: IncomingMessage; res: ServerResponse } | null {
    if (this.#usedByApp || this.#takenOver) return null
    this.#takenOver = true
    clearTimeout(this.#timer)
    this.#res.once('finish', () => this.#log(this.#res.statusCode))
    return { req: this.#req, res: this.#res }
  }

  async #receive(): Promise<HttpRequestEvent | HttpDisconnectEvent> {
    this.#usedByApp = true
    const req = this.#req
    for (;;) {
      if (this.#gone || this.#finished) return DISCONNECT
      if (this.#bodyDone) {
        await new Promise<void>((resolve) => this.#goneWaiters.push(resolve))
        continue
      }
      const chunk = req.read() as Buffer | null
      if (chunk !== null) {
        this.#bodyDone = req.complete && req.readableLength === 0
        return { type: 'http.request', body: chunk, moreBody: !this.#bodyDone }
      }
      if (req.readableEnded || (req.complete && req.readableLength === 0)) {
        this.#bodyDone = true
        return { type: 'http.request', body: EMPTY, moreBody: false }
      }
      await this.#bodyProgress()
    }
  }

  async #send(message: Message): Promise<void> {
    this.#usedByApp = true
    switch (message.type) {
      case 'http.response.start': {
        if (this.#started) throw new InvalidEvent(`'http.response.start' was sent twice; send it once.`)
        const { status, headers = [] } = message as { status: unknown; headers?: Headers }
        if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
          throw new InvalidEvent(`'http.response.start' needs an integer status from 200 to 599.`)
        }
        if (!Array.isArray(headers) || !headers.every((h) => Array.isArray(h) && isValidHeader(h[0], h[1]))) {
          throw new InvalidEvent(
            `Response headers must be [name, value] string pairs without control characters.`,
          )
        }
        this.#started = true
        this.#status = status as number
        this.#headers = headers
        clearTimeout(this.#timer)
        return
      }
      case 'http.response.body': {
        if (!this.#started) throw new InvalidEvent(`Send 'http.response.start' before 'http.response.body'.`)
        if (this.#gone) return
        if (this.#finished) throw new InvalidEvent(`The response is complete; nothing more can be sent.`)
        const { body = EMPTY, moreBody = false } = message as { body?: Uint8Array; moreBody?: boolean }
        if (!(body instanceof Uint8Array))
          throw new InvalidEvent(`'http.response.body' body must be a Uint8Array.`)
        return this.#writeBody(body, moreBody)
      }
      default:
        throw new InvalidEvent(
          `An HTTP application cannot send '${message.type}'; expected 'http.response.start' or 'http.response.body'.`,
        )
    }
  }

  async #writeBody(body: Uint8Array, moreBody: boolean): Promise<void> {
    const res = this.#res
    if (!this.#headWritten) {
      this.#headWritten = true
      const flat: string[] = []
      let hasLength = false
      for (const [name, value] of this.#headers) {
        if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true
        flat.push(name, value)
      }
      // A body sent in one piece gets a Content-Length, so keep-alive clients
      // need not wait for a chunked terminator.
      const bodyless = this.#req.method === 'HEAD' || this.#status === 204 || this.#status === 304
      if (!moreBody && !hasLength && !bodyless) flat.push('content-length', String(body.byteLength))
      res.writeHead(this.#status, flat)
    }
    this.#bytes += body.byteLength
    if (!moreBody) {
      this.#finished = true
      this.#log(this.#status)
      res.end(body)
      return
    }
    if (body.byteLength > 0 && !res.write(body) && !this.#gone) {
      // Streaming responses wait for the client instead of buffering without bound.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
    }
  }

  #onAppDone(error: unknown): void {
    clearTimeout(this.#timer)
    const logger = this.#ctx.log.forConnection(this.#conn)
    if (error !== undefined && this.#ctx.observer !== null && !isExpectedError(error)) {
      if (!(error instanceof UnknownScopeType)) this.#ctx.observer.applicationError('http')
    }
    if (this.#takenOver) {
      if (error !== undefined) {
        logger.error(`Node handler for ${this.#describe()} failed.`, error)
        if (!this.#res.headersSent && !this.#gone) this.#plain(500)
        else if (!this.#res.writableEnded) this.#res.destroy()
      }
      return
    }
    if (error instanceof UnknownScopeType && !this.#started) {
      // An HTTP request to a WebSocket-only application: a plain 404, and one
      // line saying why instead of a stack trace per request.
      logger.warn(`${this.#describe()}: ${error.message} Answered 404.`)
      if (!this.#gone && !this.#finished) this.#plain(404)
      return
    }
    if (error !== undefined && !this.#started) {
      if (!isExpectedError(error)) logger.error(`Application failed on ${this.#describe()}.`, error)
      if (!this.#gone && !this.#finished) this.#plain(statusForError(error))
      return
    }
    if (error !== undefined) logger.error(`Application failed mid-response on ${this.#describe()}.`, error)
    else if (!this.#started && !this.#finished)
      logger.error(`Application returned without a response on ${this.#describe()}.`)
    if (!this.#started && !this.#finished && !this.#gone) this.#plain(500)
    // A half-sent body cannot be completed honestly: closing the connection is
    // the only way to tell the client it is truncated.
    else if (this.#started && !this.#finished && !this.#gone) this.#res.destroy()
  }

  #onTimeout(): void {
    if (this.#started || this.#finished || this.#gone || this.#takenOver) return
    this.#ctx.log.warn(
      `Application took longer than ${this.#ctx.options.httpResponseTimeout} ms to respond to ${this.#describe()}; answered 503.`,
      this.#conn,
    )
    this.#plain(503)
  }

  #onClose(): void {
    if (this.#probe !== undefined) {
      this.#probe.observer.httpFinished(this.#probe.route, this.#res.headersSent ? this.#res.statusCode : 0)
    }
    this.#gone = true
    clearTimeout(this.#timer)
    for (const waiter of this.#goneWaiters.splice(0)) waiter()
  }

  #bodyProgress(): Promise<void> {
    const req = this.#req
    return new Promise((resolve) => {
      const done = (): void => {
        req.off('readable', done)
        req.off('end', done)
        this.#goneWaiters.splice(this.#goneWaiters.indexOf(done) >>> 0, 1)
        resolve()
      }
      req.on('readable', done)
      req.on('end', done)
      this.#goneWaiters.push(done)
    })
  }

  #plain(status: number): void {
    this.#finished = true
    const body = `${STATUS_CODES[status] ?? 'Error'}\n`
    this.#res.shouldKeepAlive = this.#res.shouldKeepAlive && status < 500
    this.#res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': body.length,
    })
    this.#res.end(body)
    this.#log(status)
  }

  #log(status: number): void {
    const { accessLog } = this.#ctx
    if (accessLog.enabled) {
      const bytes = this.#takenOver ? Number(this.#res.getHeader('content-length') ?? 0) : this.#bytes
      accessLog.http(this.#subject(), this.#scope.method, this.#scope.httpVersion, status, bytes)
    }
  }

  #subject() {
    const { client, rawPath, queryString } = this.#scope
    return { client, rawPath, queryString, conn: this.#conn }
  }

  #describe(): string {
    return `${this.#scope.method} ${this.#scope.rawPath}`
  }
}
