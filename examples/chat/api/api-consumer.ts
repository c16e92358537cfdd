/**
 * The base of every `/api/…` endpoint: JSON in and out, the contract's error
 * bodies, a bounded request body, allowed methods, and who is asking.
 *
 * @module
 */

import { HttpConsumer } from 'tschannels'
import type { AuthenticatedUser, HeadersInit, HttpRequestEvent } from 'tschannels'

import { isObject } from '../rules.js'
import type { ChatServices } from '../services.js'

/** The largest request body the API reads. */
export const MAX_BODY = 16_384

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' }

/**
 * Subclasses set `static methods` and implement `respond(body)`. Errors are
 * `{"error": {"code", "message"}}`; an unexpected failure is a 500 with code
 * `internal`, its details only in the log.
 */
export class ApiConsumer extends HttpConsumer {
  /** Methods this endpoint answers; others get 405. @default ['GET'] */
  static methods: readonly string[] = ['GET']
  /** Set by `asApp({ services })`. */
  declare services: ChatServices
  #chunks: Uint8Array[] = []
  #size = 0
  #tooLarge = false

  /** Collects the body up to `MAX_BODY`; a larger one is answered with 413 without reading it all into memory. */
  override async httpRequest(message: HttpRequestEvent): Promise<void> {
    if (this.#tooLarge) return
    this.#size += message.body.byteLength
    if (this.#size > MAX_BODY) {
      this.#tooLarge = true
      this.#chunks = []
      await this.error(413, 'too_large', `The request body must be at most ${MAX_BODY} bytes.`)
      return
    }
    if (message.body.byteLength > 0) this.#chunks.push(message.body)
    if (message.moreBody) return
    const body = Buffer.concat(this.#chunks)
    this.#chunks = []
    await this.handle(body)
  }

  override async handle(body: Uint8Array): Promise<void> {
    const methods = (this.constructor as typeof ApiConsumer).methods
    const method = this.scope.method === 'HEAD' ? 'GET' : this.scope.method
    if (!methods.includes(method)) {
      return this.error(405, 'method_not_allowed', `Use ${methods.join(' or ')}.`, {
        allow: methods.join(', '),
      })
    }
    try {
      await this.respond(body)
    } catch (error) {
      if (this.responseStarted) throw error
      // Logged by the server like any application error; the client sees no detail.
      console.error(error)
      await this.error(500, 'internal', 'Something went wrong on the server.')
    }
  }

  /** Answers the request; `body` is at most `MAX_BODY` bytes. */
  protected async respond(_body: Uint8Array): Promise<void> {
    await this.error(404, 'not_found', 'No such endpoint.')
  }

  /** A JSON response. */
  protected json(status: number, value: unknown, headers: Record<string, string> = {}): Promise<void> {
    return this.sendResponse(status, JSON.stringify(value), { headers: { ...JSON_HEADERS, ...headers } })
  }

  /** An error response in the contract's shape. */
  protected error(status: number, code: string, message: string, headers: HeadersInit = {}): Promise<void> {
    const extra = Array.isArray(headers) ? Object.fromEntries(headers) : headers
    return this.json(status, { error: { code, message } }, extra)
  }

  /** The body as a JSON object, or `undefined` (after answering 400 `invalid`) when it is not one. */
  protected async readObject(body: Uint8Array): Promise<Record<string, unknown> | undefined> {
    let value: unknown
    try {
      value = JSON.parse(Buffer.from(body).toString('utf8'))
    } catch {
      value = undefined
    }
    if (isObject(value)) return value
    await this.error(400, 'invalid', 'Send a JSON object.')
    return undefined
  }

  /** The user of the session cookie or of `Authorization: Bearer <access>`, or `null`. */
  protected async user(): Promise<AuthenticatedUser | null> {
    const user = await this.scope.user
    return user?.isAuthenticated === true ? user : null
  }

  /** The client's address, for the login limits. */
  protected get address(): string {
    return this.scope.client?.[0] ?? 'unknown'
  }
}

/** Anything else under `/api/`: a JSON 404, whatever the method. */
export class NotFoundApi extends ApiConsumer {
  static override methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
}
