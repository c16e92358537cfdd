/**
 * `HttpConsumer`: a consumer for one HTTP request whose response may stream,
 * and may stay open after `handle()` returns to be fed by the channel layer
 * (long polling, server-sent events).
 *
 * @module
 */

import { ImproperlyConfigured, InvalidEvent, StopConsumer } from '../errors.js'
import type { HeaderPairs, HttpDisconnectEvent, HttpRequestEvent, HttpScope, Message } from '../types.js'
import { stackless } from '../util/stackless.js'
import { Consumer } from './consumer.js'
import type { ConsumerTypes } from './consumer-types.js'
import { registerBaseConsumer } from './dispatch-table.js'

/** Response headers as pairs or as an object (names are lower-cased). */
export type ResponseHeaders = HeaderPairs | Readonly<Record<string, string>>

/**
 * The old name of `ResponseHeaders`.
 * @deprecated Use `ResponseHeaders`: this name shadows the Fetch API's global `HeadersInit` where it is imported.
 */
export type HeadersInit = Array<[string, string]> | Record<string, string>

/** A response body chunk; strings are sent as UTF-8. */
export type BodyChunk = string | Uint8Array

/** Options of `HttpConsumer.sendBody()`. */
export interface SendBodyOptions {
  /** More chunks follow; the response stays open. @default false */
  more?: boolean
}

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

/**
 * The consumer for an HTTP request. The body is collected and passed to
 * `handle(body)`; answer with `sendResponse()`, or stream with
 * `sendHeaders()` and `sendBody(chunk, { more: true })`.
 *
 * Unlike Channels, the response may stay open after `handle()` returns: the
 * consumer keeps receiving channel-layer messages (its handlers may call
 * `sendBody`) until a chunk is sent with `more: false` or the client goes
 * away. Groups in `static groups` are joined when the request starts and
 * left when it ends, so a `groupSend` can feed a server-sent event stream.
 *
 * @example
 * ```ts
 * class Events extends HttpConsumer {
 *   static override groups = ['news']
 *   override async handle() {
 *     await this.sendHeaders({ headers: { 'content-type': 'text/event-stream' } })
 *   }
 *   async newsPosted(message: LayerMessage) {
 *     await this.sendBody(`data: ${JSON.stringify(message.item)}\n\n`, { more: true })
 *   }
 * }
 * ```
 */
export class HttpConsumer<T extends ConsumerTypes = ConsumerTypes> extends Consumer<T> {
  /** Groups every request joins when it starts and leaves when it ends. @default [] */
  static groups: readonly string[] = []
  declare scope: HttpScope
  #chunks: Uint8Array[] = []
  #responseStarted = false
  #responseFinished = false
  #joined = false

  /** Whether `sendHeaders()` (or `sendResponse()`) has started the response. */
  get responseStarted(): boolean {
    return this.#responseStarted
  }

  /** Collects body chunks; calls `handle()` with the whole body after the last one. */
  async httpRequest(message: HttpRequestEvent): Promise<void> {
    if (message.body.byteLength > 0) this.#chunks.push(message.body)
    if (message.moreBody) return
    const body = concat(this.#chunks)
    this.#chunks = []
    await this.#joinGroups()
    await this.handle(body)
  }

  /** Handles `http.disconnect`: runs `disconnect()` and stops. */
  async httpDisconnect(_message: HttpDisconnectEvent): Promise<void> {
    await this.#end()
  }

  /**
   * Called with the complete request body. Answer with `sendResponse()` or
   * start a stream with `sendHeaders()`.
   */
  async handle(_body: Uint8Array): Promise<void> {
    throw new ImproperlyConfigured(
      `${this.constructor.name} must override handle(body) to answer the request.`,
    )
  }

  /** Called once the request is over: the response was finished or the client left. */
  async disconnect(): Promise<void> {}

  /** Sends a complete response in one go. */
  async sendResponse(
    status: number,
    body: BodyChunk,
    options: { headers?: ResponseHeaders } = {},
  ): Promise<void> {
    await this.sendHeaders({ status, ...(options.headers !== undefined ? { headers: options.headers } : {}) })
    await this.sendBody(body)
  }

  /** Starts the response with a status (default 200) and headers. */
  async sendHeaders(options: { status?: number; headers?: ResponseHeaders } = {}): Promise<void> {
    if (this.#responseStarted) {
      throw new InvalidEvent(`${this.constructor.name} already started its response; send the body next.`)
    }
    this.#responseStarted = true
    await this.baseSend({
      type: 'http.response.start',
      status: options.status ?? 200,
      headers: toHeaderPairs(options.headers),
    })
  }

  /**
   * Sends a chunk of the body. With `more: true` the response stays open for
   * further chunks; otherwise it is finished and the consumer stops once the
   * current handler returns.
   */
  async sendBody(body: BodyChunk, options: SendBodyOptions = {}): Promise<void> {
    if (!this.#responseStarted) {
      throw new InvalidEvent(
        `${this.constructor.name} sent a body before sendHeaders(); start the response first.`,
      )
    }
    if (this.#responseFinished) {
      throw new InvalidEvent(
        `${this.constructor.name} already finished its response; nothing more can be sent.`,
      )
    }
    const more = options.more ?? false
    if (!more) this.#responseFinished = true
    await this.baseSend({
      type: 'http.response.body',
      body: typeof body === 'string' ? encoder.encode(body) : body,
      moreBody: more,
    })
  }

  /** Dispatches as usual, then ends the consumer once the response is finished. */
  override async dispatch(message: Message): Promise<void> {
    await super.dispatch(message)
    if (this.#responseFinished) await this.#end()
  }

  async #joinGroups(): Promise<void> {
    const groups = (this.constructor as typeof HttpConsumer).groups
    if (groups.length === 0) return
    if (!this.hasChannelLayer) {
      throw new ImproperlyConfigured(
        `${this.constructor.name} declares groups (${groups.join(', ')}) but no channel layer is configured ` +
          `under '${this.channelLayerAlias}'; configure one with configureChannelLayers().`,
      )
    }
    for (const group of groups) await this.channelLayer.groupAdd(group, this.channelName)
    this.#joined = true
  }

  async #end(): Promise<never> {
    if (this.#joined) {
      const groups = (this.constructor as typeof HttpConsumer).groups
      for (const group of groups) await this.channelLayer.groupDiscard(group, this.channelName)
    }
    await this.disconnect()
    throw stackless(() => new StopConsumer())
  }
}

registerBaseConsumer(HttpConsumer, { serverEvents: ['httpRequest', 'httpDisconnect'] })

function toHeaderPairs(headers: ResponseHeaders | undefined): HeaderPairs {
  if (headers === undefined) return []
  if (isPairs(headers)) return headers
  return Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])
}

// `Array.isArray` does not narrow a read-only array out of a union.
function isPairs(headers: ResponseHeaders): headers is HeaderPairs {
  return Array.isArray(headers)
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 0) return EMPTY
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)
  const body = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}
