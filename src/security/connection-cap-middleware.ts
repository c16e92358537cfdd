/**
 * `ConnectionCapMiddleware`: caps the WebSockets open at once per client
 * address and per user.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import type { Application, Message, Receive, Scope, Send } from '../types.js'
import { warn } from '../util/warnings.js'
import { InMemoryConnectionSlots } from './connection-slots.js'
import type { ConnectionSlot, ConnectionSlotStore } from './connection-slots.js'
import { deny } from './deny.js'

/** Options of `ConnectionCapMiddleware`; `null` turns a cap off. */
export interface ConnectionCapOptions {
  /**
   * Where open connections are counted: `InMemoryConnectionSlots` for one
   * process, `RedisConnectionSlots` (`tschannels/redis`) for every process
   * sharing a Redis.
   * @default new InMemoryConnectionSlots()
   */
  store?: ConnectionSlotStore
  /** WebSockets open at once per client address (`scope.client[0]`). @default 20 */
  perAddress?: number | null
  /** WebSockets open at once per authenticated user (needs `scope.user`: put the middleware inside the auth middleware). @default 10 */
  perUser?: number | null
  /**
   * How a connection over a cap is refused. `null`: the handshake gets HTTP
   * 429 (an ASGI denial response). A close code (1000 or 3000-4999): the
   * handshake is accepted and the socket closed at once with that code and
   * the reason `Too many connections`, which a browser can read (it cannot
   * read the status of a refused handshake).
   * @default null
   */
  closeCode?: number | null
}

/** The close reason of a connection refused with `closeCode`. */
const REASON = 'Too many connections'

/**
 * Caps the WebSockets open at once per client address and per
 * authenticated user, so that one client cannot hold thousands of sockets.
 * A slot is taken before the application runs and given back as soon as
 * the connection ends, however it ends: the client leaves or drops, the
 * application closes the socket or refuses the handshake, or it returns or
 * throws. Slots in `RedisConnectionSlots` are leases that the process
 * holding them renews, so those of a process that crashed lapse on their
 * own. HTTP and channel scopes pass untouched.
 *
 * A store that cannot answer (Redis down) fails the handshake (HTTP 500)
 * rather than letting connections through uncounted.
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: AllowedHostsOriginValidator(
 *     AuthMiddlewareStack(ConnectionCapMiddleware(URLRouter(routes), { perAddress: 20, perUser: 5 })),
 *   ),
 * })
 * ```
 */
export function ConnectionCapMiddleware(inner: Application, options: ConnectionCapOptions = {}): Application {
  assertApplication(inner, 'ConnectionCapMiddleware(inner)')
  const perAddress = limit('perAddress', options.perAddress, 20)
  const perUser = limit('perUser', options.perUser, 10)
  const closeCode = options.closeCode ?? null
  if (closeCode !== null && !validCloseCode(closeCode)) {
    throw new ImproperlyConfigured(
      'ConnectionCapMiddleware closeCode must be 1000 or 3000-4999 (an application close code), or null for HTTP 429.',
    )
  }
  const store = options.store ?? new InMemoryConnectionSlots()
  let warned = false

  return async function ConnectionCapMiddleware(scope, receive, send) {
    if (scope.type !== 'websocket') return inner(scope, receive, send)
    const held = new HeldSlots()
    try {
      if (perAddress !== null) {
        const slot = await store.acquire(`addr:${scope.client?.[0] ?? 'unknown'}`, perAddress)
        if (slot === null) return await refuse(scope, receive, send, closeCode)
        held.add(slot)
      }
      if (perUser !== null) {
        if (scope.user === undefined) {
          if (!warned) {
            warned = true
            warn(
              'CHANNELS_WRN_060',
              'ConnectionCapMiddleware has a perUser cap but the scope has no user: put it inside ' +
                'AuthMiddleware (or AuthMiddlewareStack), or set perUser: null. Users are not capped.',
            )
          }
        } else {
          const user = await scope.user
          if (user.isAuthenticated) {
            const slot = await store.acquire(`user:${user.id}`, perUser)
            if (slot === null) return await refuse(scope, receive, send, closeCode)
            held.add(slot)
          }
        }
      }
      return await inner(scope, held.watchReceive(receive), held.watchSend(send))
    } finally {
      await held.releaseAll()
    }
  }
}

/** The slots of one connection, released at the first sign that it ended. */
class HeldSlots {
  readonly #slots: ConnectionSlot[] = []

  add(slot: ConnectionSlot): void {
    this.#slots.push(slot)
  }

  releaseAll(): Promise<void> {
    if (this.#slots.length === 0) return Promise.resolve()
    return Promise.all(this.#slots.splice(0).map((slot) => slot.release())).then(() => undefined)
  }

  /** The client is gone: the application may go on running, but the connection no longer counts. */
  watchReceive(receive: Receive): Receive {
    return async () => {
      const event = await receive()
      if (event.type === 'websocket.disconnect') void this.releaseAll()
      return event
    }
  }

  /** The application closed the socket or refused the handshake: the connection is over. */
  watchSend(send: Send): Send {
    return async (message: Message) => {
      await send(message)
      if (message.type === 'websocket.close' || message.type === 'websocket.http.response.start') {
        void this.releaseAll()
      }
    }
  }
}

async function refuse(scope: Scope, receive: Receive, send: Send, closeCode: number | null): Promise<void> {
  if (closeCode === null) return deny(scope, receive, send, 429, 'Too many connections.')
  const event = await receive()
  if (event.type !== 'websocket.connect') return
  await send({ type: 'websocket.accept' })
  await send({ type: 'websocket.close', code: closeCode, reason: REASON })
}

function limit(name: string, value: number | null | undefined, fallback: number): number | null {
  if (value === null) return null
  const resolved = value ?? fallback
  if (!Number.isInteger(resolved) || resolved < 1) {
    throw new ImproperlyConfigured(`ConnectionCapMiddleware ${name} must be a positive whole number or null.`)
  }
  return resolved
}

function validCloseCode(code: number): boolean {
  return code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999)
}
