/**
 * `RateLimitMiddleware`: limits connections per client address and per
 * user, new connections per address, and messages per connection.
 *
 * @module
 */

import { retryAfterReason } from '../client/close-policy.js'
import { ImproperlyConfigured } from '../errors.js'
import { assertApplication } from '../routing/assert-application.js'
import type { Application, Message, Receive, Send } from '../types.js'
import { ConnectionCapMiddleware } from './connection-cap-middleware.js'
import type { ConnectionSlot, ConnectionSlotStore } from './connection-slots.js'
import { deny } from './deny.js'
import { InMemoryRateLimitStore } from './memory-rate-limit-store.js'
import type { RateLimitStore, TokenBucket } from './rate-limit-store.js'
import { LocalTokenBucket } from './local-token-bucket.js'

/** The close code for a connection that sent too many messages. */
export const RATE_LIMIT_CLOSE_CODE = 4429

/** Options of `RateLimitMiddleware`; `null` turns a limit off. */
export interface RateLimitOptions {
  /** Shared state for the connection limits; the Redis store holds them across processes. @default new InMemoryRateLimitStore() */
  store?: RateLimitStore
  /**
   * Open WebSocket connections allowed per client address: the cap of
   * `ConnectionCapMiddleware`, counted in `store`.
   * @default 20
   */
  connectionsPerAddress?: number | null
  /** Open WebSocket connections allowed per authenticated user (needs `scope.user`), as `connectionsPerAddress`. @default 10 */
  connectionsPerUser?: number | null
  /** New connections (and HTTP requests) per client address. @default { capacity: 30, refillPerSecond: 1 } */
  connectionRate?: TokenBucket | null
  /** Messages per WebSocket connection, counted in the process that holds it. @default { capacity: 60, refillPerSecond: 10 } */
  messages?: TokenBucket | null
  /** How long a connection slot outlives a crashed process, in ms (Redis). @default 3600000 */
  slotTtlMs?: number
}

/**
 * Rate limits against flooding. A WebSocket handshake over a connection
 * cap or the connection rate is answered with HTTP 429 (ASGI denial
 * response; `Retry-After` for the rate) without reaching the application.
 * The caps are `ConnectionCapMiddleware`'s, counted in `store`: a slot is
 * given back however its connection ends. A connection that sends messages faster
 * than its token bucket allows is closed with 4429 (the reason ends in
 * `retry-after=<seconds>`, the time a full bucket takes to refill, which
 * `ChannelsClient` waits) and its application gets `websocket.disconnect`
 * with that code, while other connections carry on.
 * An HTTP request over `connectionRate` gets 429.
 *
 * Put it inside the auth middleware to count per user, and outside the
 * router.
 *
 * @example
 * ```ts
 * const application = ProtocolTypeRouter({
 *   websocket: AllowedHostsOriginValidator(
 *     AuthMiddlewareStack(RateLimitMiddleware(URLRouter(routes), { messages: { capacity: 20, refillPerSecond: 5 } })),
 *   ),
 * })
 * ```
 */
export function RateLimitMiddleware(inner: Application, options: RateLimitOptions = {}): Application {
  assertApplication(inner, 'RateLimitMiddleware(inner)')
  const config = resolve(options)
  const store = options.store ?? new InMemoryRateLimitStore()
  const messages = config.messages
  const limited: Application =
    messages === null
      ? inner
      : function MessageLimit(scope, receive, send) {
          if (scope.type !== 'websocket') return inner(scope, receive, send)
          const limiter = new MessageLimiter(receive, send, messages)
          return inner(scope, limiter.receive, limiter.send)
        }
  const capped =
    config.connectionsPerAddress === null && config.connectionsPerUser === null
      ? limited
      : ConnectionCapMiddleware(limited, {
          store: new CounterSlots(store, config.slotTtlMs),
          perAddress: config.connectionsPerAddress,
          perUser: config.connectionsPerUser,
        })

  return async function RateLimitMiddleware(scope, receive, send) {
    if (scope.type === 'channel') return capped(scope, receive, send)
    if (config.connectionRate !== null) {
      const address = scope.client?.[0] ?? 'unknown'
      const result = await store.take(`rl:rate:${address}`, config.connectionRate)
      if (!result.allowed) return tooMany(scope, receive, send, result.retryAfterMs)
    }
    return capped(scope, receive, send)
  }
}

/** The connection caps of a `RateLimitStore`: slot counters that a crashed process leaves for `ttlMs`. */
class CounterSlots implements ConnectionSlotStore {
  readonly #store: RateLimitStore
  readonly #ttlMs: number

  constructor(store: RateLimitStore, ttlMs: number) {
    this.#store = store
    this.#ttlMs = ttlMs
  }

  async acquire(key: string, limit: number): Promise<ConnectionSlot | null> {
    const counter = `rl:conn:${key}`
    if (!(await this.#store.acquire(counter, limit, this.#ttlMs))) return null
    let released = false
    return {
      release: async () => {
        if (released) return
        released = true
        await this.#store.release(counter).catch(() => undefined)
      },
    }
  }

  async close(): Promise<void> {}
}

/** Counts the client's frames; on overflow closes with 4429 and tells the application it is gone. */
class MessageLimiter {
  readonly #bucket: LocalTokenBucket
  readonly #receive: Receive
  readonly #send: Send
  readonly #reason: string
  #closed = false

  constructor(receive: Receive, send: Send, bucket: TokenBucket) {
    this.#receive = receive
    this.#send = send
    this.#bucket = new LocalTokenBucket(bucket)
    // Tells `ChannelsClient` to come back once a full bucket has refilled.
    const refill = bucket.capacity / bucket.refillPerSecond
    this.#reason = Number.isFinite(refill)
      ? retryAfterReason('Rate limit exceeded', refill)
      : 'Rate limit exceeded'
  }

  readonly receive = async (): Promise<Message> => {
    const event = await this.#receive()
    if (event.type !== 'websocket.receive' || this.#closed) return event
    if (this.#bucket.take()) return event
    this.#closed = true
    await this.#send({ type: 'websocket.close', code: RATE_LIMIT_CLOSE_CODE, reason: this.#reason })
    return { type: 'websocket.disconnect', code: RATE_LIMIT_CLOSE_CODE }
  }

  readonly send = async (message: Message): Promise<void> => {
    // The socket is closing: whatever the application still sends is dropped, not an error.
    if (this.#closed && (message.type === 'websocket.send' || message.type === 'websocket.close')) return
    return this.#send(message)
  }
}

function tooMany(
  scope: Parameters<Application>[0],
  receive: Receive,
  send: Send,
  retryAfterMs: number,
): Promise<void> {
  const seconds = String(Math.max(1, Math.ceil(retryAfterMs / 1000)))
  return deny(scope, receive, send, 429, 'Too many requests.', [['retry-after', seconds]])
}

interface Resolved {
  connectionsPerAddress: number | null
  connectionsPerUser: number | null
  connectionRate: TokenBucket | null
  messages: TokenBucket | null
  slotTtlMs: number
}

function resolve(options: RateLimitOptions): Resolved {
  const config: Resolved = {
    connectionsPerAddress: options.connectionsPerAddress === undefined ? 20 : options.connectionsPerAddress,
    connectionsPerUser: options.connectionsPerUser === undefined ? 10 : options.connectionsPerUser,
    connectionRate:
      options.connectionRate === undefined ? { capacity: 30, refillPerSecond: 1 } : options.connectionRate,
    messages: options.messages === undefined ? { capacity: 60, refillPerSecond: 10 } : options.messages,
    slotTtlMs: options.slotTtlMs ?? 3_600_000,
  }
  for (const name of ['connectionsPerAddress', 'connectionsPerUser'] as const) {
    const value = config[name]
    if (value !== null && (!Number.isInteger(value) || value < 1)) {
      throw new ImproperlyConfigured(`RateLimitMiddleware ${name} must be a positive integer or null.`)
    }
  }
  for (const name of ['connectionRate', 'messages'] as const) {
    const bucket = config[name]
    if (bucket !== null && !validBucket(bucket)) {
      throw new ImproperlyConfigured(
        `RateLimitMiddleware ${name} must be { capacity: positive number, refillPerSecond: number >= 0 } or null.`,
      )
    }
  }
  if (!Number.isFinite(config.slotTtlMs) || config.slotTtlMs <= 0) {
    throw new ImproperlyConfigured('RateLimitMiddleware slotTtlMs must be a positive number.')
  }
  return config
}

/** @internal */
export function validBucket(bucket: TokenBucket): boolean {
  return (
    typeof bucket === 'object' &&
    Number.isFinite(bucket.capacity) &&
    bucket.capacity > 0 &&
    Number.isFinite(bucket.refillPerSecond) &&
    bucket.refillPerSecond >= 0
  )
}
