/**
 * Stand-in `req`/`res` objects for running a Node handler where there is no
 * Node server underneath (an `HttpCommunicator` in tests, another protocol
 * server). The request is a real `IncomingMessage` fed from `receive()`; the
 * response is a real `ServerResponse` whose "socket" parses the bytes Node
 * writes back into `http.response.start` and `http.response.body` events.
 * Using Node's own classes means Express and friends find every method and
 * property they expect.
 *
 * Why not `light-my-request` (Fastify's `inject()`): it makes Express work
 * by re-parenting the Express app's own request and response prototypes
 * onto its classes, a lasting change to the user's app (served later by
 * `serve()`, the same app would handle real requests through a prototype
 * chain without `IncomingMessage`), and only when it is handed the Express
 * app itself: behind any wrapper, such as the one that catches a handler's
 * rejection, the response never completes.
 *
 * @module
 */

import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { Writable } from 'node:stream'

import { InvalidEvent } from '../errors.js'
import type { Headers, HttpScope, Receive, Send } from '../types.js'

/** A Node HTTP request listener, as Express, Koa (`app.callback()`) and `http.createServer` take. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding'])
const HEAD_END = Buffer.from('\r\n\r\n')

/** Runs `handler` over ASGI events. @internal */
export async function runOverEvents(
  handler: NodeHandler,
  scope: HttpScope,
  receive: Receive,
  send: Send,
): Promise<void> {
  const req = new IncomingMessage(new Socket())
  req.method = scope.method
  req.url = scope.rawPath + (scope.queryString ? `?${scope.queryString}` : '')
  req.httpVersionMajor = 1
  req.httpVersionMinor = 1
  req.httpVersion = '1.1'
  for (const [name, value] of scope.headers) {
    req.rawHeaders.push(name, value)
    const existing = req.headers[name]
    if (name === 'set-cookie') req.headers[name] = [...((existing as string[] | undefined) ?? []), value]
    else req.headers[name] = existing === undefined ? value : `${existing as string}, ${value}`
  }
  const output = new ResponseParser(send)
  const res = new ServerResponse(req)
  // Chunked framing would only have to be parsed back out again.
  res.useChunkedEncodingByDefault = false
  res.assignSocket(output as unknown as Socket)
  void pumpBody(req, receive, res)
  await runHandler(handler, req, res)
  await output.finish()
}

/**
 * Calls the handler and resolves when its response is over (finished, or the
 * connection closed); rejects when the handler throws or its promise rejects.
 * @internal
 */
export function runHandler(handler: NodeHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (res.writableFinished || res.destroyed) return resolve()
    res.once('finish', () => resolve())
    res.once('close', () => resolve())
    try {
      const result = handler(req, res)
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        ;(result as Promise<unknown>).then(undefined, reject)
      }
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on unchanged
      reject(error)
    }
  })
}

async function pumpBody(req: IncomingMessage, receive: Receive, res: ServerResponse): Promise<void> {
  for (;;) {
    const event = await receive()
    if (event.type === 'http.request') {
      const { body, moreBody } = event as { body?: Uint8Array; moreBody?: boolean }
      if (body && body.byteLength > 0) req.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength))
      if (!moreBody) {
        req.push(null)
        req.complete = true
        return
      }
    } else if (event.type === 'http.disconnect') {
      req.push(null)
      if (!res.writableFinished) res.destroy()
      return
    }
  }
}

/** The fake socket: turns the bytes Node writes into response events, in order. */
class ResponseParser extends Writable {
  #send: Send
  #head: Buffer | null = Buffer.alloc(0)
  #chain: Promise<void> = Promise.resolve()
  #failed: unknown = undefined

  constructor(send: Send) {
    super()
    this.#send = send
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#head !== null) {
      const head = Buffer.concat([this.#head, chunk])
      const end = head.indexOf(HEAD_END)
      if (end === -1) {
        this.#head = head
        return callback()
      }
      this.#head = null
      this.#emit(parseHead(head.subarray(0, end).toString('latin1')))
      chunk = head.subarray(end + HEAD_END.length)
    }
    if (chunk.byteLength > 0) this.#emit({ type: 'http.response.body', body: chunk, moreBody: true })
    // Waiting for the application's send() before taking more bytes is what
    // carries its backpressure back to the handler's res.write().
    this.#chain.then(() => callback(), callback)
  }

  /** Sends the final empty body chunk once Node has written everything. */
  async finish(): Promise<void> {
    if (this.#head !== null) throw new InvalidEvent('The Node handler finished without sending a response.')
    this.#emit({ type: 'http.response.body', body: new Uint8Array(0), moreBody: false })
    await this.#chain
    if (this.#failed !== undefined) throw this.#failed as Error
  }

  // ServerResponse calls these on a real socket.
  setTimeout(): this {
    return this
  }
  setNoDelay(): this {
    return this
  }

  #emit(event: Parameters<Send>[0]): void {
    this.#chain = this.#chain
      .then(() => this.#send(event))
      .catch((error: unknown) => {
        this.#failed ??= error
      })
  }
}

function parseHead(text: string): Parameters<Send>[0] {
  const lines = text.split('\r\n')
  const status = Number(lines[0]!.split(' ')[1])
  const headers: Headers = []
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    if (!HOP_BY_HOP.has(name)) headers.push([name, line.slice(colon + 1).trim()])
  }
  return { type: 'http.response.start', status, headers }
}
