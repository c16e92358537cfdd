/**
 * The ASGI denial response: instead of accepting or closing a WebSocket
 * handshake, the application answers it with an ordinary HTTP response
 * (`websocket.http.response.start`, then `.body` chunks), for instance 401
 * with a JSON reason that a browser's `fetch` can read before retrying.
 *
 * @module
 */

import type { Duplex } from 'node:stream'

import { isValidHeader } from './request-validation.js'
import { endSocket, writeResponseHead } from './websocket-handshake.js'
import { InvalidEvent } from '../errors.js'
import type { Headers } from '../types.js'

const EMPTY = new Uint8Array(0)

/** A denial response being written on a handshake socket. @internal */
export class DenialResponse {
  readonly status: number
  #headers: Headers
  #socket: Duplex
  #headWritten = false

  /** Checks the start event; throws `InvalidEvent` for a bad status or header. */
  constructor(socket: Duplex, message: { status?: unknown; headers?: Headers }) {
    const { status, headers = [] } = message
    if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
      throw new InvalidEvent(`A denial response needs an integer status from 200 to 599.`)
    }
    if (!Array.isArray(headers) || !headers.every((h) => Array.isArray(h) && isValidHeader(h[0], h[1]))) {
      throw new InvalidEvent(`Denial headers must be [name, value] string pairs without control characters.`)
    }
    this.status = status as number
    this.#headers = headers
    this.#socket = socket
  }

  /** True once bytes went out: the response can no longer be replaced by another status. */
  get started(): boolean {
    return this.#headWritten
  }

  /** Writes one body chunk; returns true when the response is complete. */
  write(message: { body?: Uint8Array; moreBody?: boolean }): boolean {
    const { body = EMPTY, moreBody = false } = message
    if (!(body instanceof Uint8Array)) throw new InvalidEvent(`A denial body must be a Uint8Array.`)
    if (!this.#headWritten) {
      this.#headWritten = true
      // A single chunk gets a Content-Length; a streamed one ends when the socket closes.
      writeResponseHead(this.#socket, this.status, this.#headers, moreBody ? undefined : body.byteLength)
    }
    if (!moreBody) {
      endSocket(this.#socket, body)
      return true
    }
    if (body.byteLength > 0) this.#socket.write(body)
    return false
  }
}
