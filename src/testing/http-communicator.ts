/**
 * `HttpCommunicator`: sends one HTTP request to an application and collects
 * its response, without a socket.
 *
 * @module
 */

import { UnexpectedEvent } from '../errors.js'
import type { Application, Headers, HostPort, HttpScope } from '../types.js'
import { ApplicationCommunicator, DEFAULT_TIMEOUT_MS } from './application-communicator.js'
import { scopeFromPath } from './scope-from-path.js'

/** Options of an `HttpCommunicator`. */
export interface HttpCommunicatorOptions {
  /** The request body; strings are sent as UTF-8. @default empty */
  body?: string | Uint8Array
  /** Request headers, names in lower case. @default [] */
  headers?: Headers
  /** The client's address. @default ['127.0.0.1', 50000] */
  client?: HostPort | null
  /** Extra scope fields, merged last. @default {} */
  scope?: Partial<HttpScope>
}

/** A complete response. */
export interface HttpResponse {
  status: number
  headers: Headers
  body: Uint8Array
  /** The body decoded as UTF-8. */
  text: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Sends a request (the whole body in one `http.request` event) and collects
 * the response with `getResponse()`. For streaming responses read the events
 * one by one with `receiveOutput()`. Timeouts are in milliseconds.
 *
 * @example
 * ```ts
 * const communicator = new HttpCommunicator(application, 'POST', '/api/register', {
 *   body: JSON.stringify({ username: 'ada', password: 'correct horse' }),
 *   headers: [['content-type', 'application/json']],
 * })
 * const response = await communicator.getResponse()
 * expect(response.status).toBe(201)
 * ```
 */
export class HttpCommunicator extends ApplicationCommunicator {
  declare readonly scope: HttpScope
  #body: Uint8Array
  #sent = false

  constructor(app: Application, method: string, path: string, options: HttpCommunicatorOptions = {}) {
    const scope: HttpScope = {
      type: 'http',
      method: method.toUpperCase(),
      ...scopeFromPath(path),
      scheme: 'http',
      httpVersion: '1.1',
      headers: options.headers ?? [],
      client: options.client === undefined ? ['127.0.0.1', 50000] : options.client,
      server: ['testserver', 80],
      ...options.scope,
    }
    super(app, scope)
    const body = options.body ?? new Uint8Array(0)
    this.#body = typeof body === 'string' ? encoder.encode(body) : body
  }

  /** Sends the request (once) so streaming tests can read events themselves. */
  async sendRequest(): Promise<void> {
    if (this.#sent) return
    this.#sent = true
    await this.sendInput({ type: 'http.request', body: this.#body, moreBody: false })
  }

  /** Sends the request and waits for the complete response. */
  async getResponse(timeout = DEFAULT_TIMEOUT_MS): Promise<HttpResponse> {
    await this.sendRequest()
    const start = await this.receiveOutput(timeout)
    if (start.type !== 'http.response.start') {
      throw new UnexpectedEvent(`Expected http.response.start; the application sent ${start.type}.`, start)
    }
    const chunks: Uint8Array[] = []
    for (;;) {
      const event = await this.receiveOutput(timeout)
      if (event.type !== 'http.response.body') {
        throw new UnexpectedEvent(`Expected http.response.body; the application sent ${event.type}.`, event)
      }
      if (event.body instanceof Uint8Array) chunks.push(event.body)
      if (event.moreBody !== true) break
    }
    const body = Buffer.concat(chunks)
    return {
      status: start.status as number,
      headers: (start.headers as Headers | undefined) ?? [],
      body,
      text: decoder.decode(body),
    }
  }
}
