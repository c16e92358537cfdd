/**
 * `ChannelsClient`: a WebSocket that stays connected. It reconnects with
 * backoff and full jitter, reads the server's close codes, queues what is
 * sent while it is away, notices a dead connection by a heartbeat, resumes
 * the groups it was reading, and pairs requests with their replies.
 *
 * It has no dependencies and runs in browsers and in Node (global
 * `WebSocket` on Node 22+, the `WebSocket` option with `ws` on Node 20).
 *
 * @module
 */

import { ClientClosed, ImproperlyConfigured, RequestTimeout, SendQueueFull } from '../errors.js'
import { backoffDelay } from './backoff.js'
import type { BackoffOptions } from './backoff.js'
import {
  ClientCloseEvent,
  ClientErrorEvent,
  ClientMessageEvent,
  ReconnectingEvent,
  RecoveredEvent,
} from './client-events.js'
import type { ChannelsClientEventMap } from './client-events.js'
import type { ClientTypes, IncomingOf, OutgoingOf, ReplyOf } from './client-types.js'
import { closeAction } from './close-policy.js'
import { PING_FRAME, REPLY_KEY, REQUEST_KEY, isRecord, positionOf } from './protocol.js'
import type { GroupRecovery, StreamPosition } from './protocol.js'

/** The part of a WebSocket the client uses: the browser's, Node 22's and `ws`'s all fit. */
export interface ClientSocket {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
}

/** A WebSocket class: `globalThis.WebSocket`, or `WebSocket` from `ws`. */
export type ClientSocketConstructor = new (url: string, protocols?: string | string[]) => ClientSocket

/** Where the client reads the time and sets its timers; tests pass their own. */
export interface ClientClock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** `'connecting'` before the first open, `'reconnecting'` between a loss and the next open. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed'

/** Options of `new ChannelsClient(url, options)`. */
export interface ChannelsClientOptions {
  /** The WebSocket class; pass `WebSocket` from `ws` on Node 20. @default globalThis.WebSocket */
  WebSocket?: ClientSocketConstructor
  /** Subprotocols offered on every connection. */
  protocols?: string | string[]
  /** Reconnect windows after a lost connection. @default { base: 500, cap: 10000 } */
  backoff?: BackoffOptions
  /** After 1001 or 1012 (the server is draining), reconnect after a random delay below this many ms. @default 5000 */
  drainWindow?: number
  /** Seconds to wait after 4429 when the server gave no `retry-after`. @default 30 */
  rateLimitPause?: number
  /** Values `send()` queues while disconnected; past it `send()` throws `SendQueueFull`. @default 1000 */
  queueLimit?: number
  /**
   * After `interval` ms without a frame from the server the client sends a
   * ping; with no frame `timeout` ms later the connection counts as dead and
   * is replaced. `false` turns it off. @default { interval: 25000, timeout: 10000 }
   */
  heartbeat?: { interval?: number; timeout?: number } | false
  /** Milliseconds a `request()` waits for its reply. @default 10000 */
  requestTimeout?: number
  /**
   * Send `{"type":"resume","positions":{…}}` as the first frame of every
   * connection; `false` for servers that do not speak the protocol. @default true
   */
  resume?: boolean
  /**
   * Milliseconds the client holds a resuming group's live messages for the
   * server's `resumed` answer; then it delivers them (a server that sends
   * positions but does not answer `resume` is not left holding them). @default 10000
   */
  resumeTimeout?: number
  /** Positions to resume from on the first connection (saved from `client.positions`). */
  positions?: Record<string, StreamPosition>
  /** Follow the browser's `online`/`offline` events and page visibility. @default true */
  watchNetwork?: boolean
  /** The clock for timers and heartbeats. @default the global timers */
  clock?: ClientClock
  /** The random source of the jitter, in [0, 1). @default Math.random */
  random?: () => number
}

type Listener<E> = (event: E) => void
interface Pending {
  resolve(value: unknown): void
  reject(error: Error): void
  timer: unknown
}

/** A connection that lived this long was healthy: the next loss starts the backoff over. */
const STABLE_AFTER = 5000
const GLOBAL_CLOCK: ClientClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/**
 * How far behind the last offset read a message of another process may
 * arrive and still be delivered (once): two sends at the same moment.
 */
const LATE_WINDOW = 64

/**
 * A WebSocket client for tschannels servers that reconnects by itself.
 * Values are JSON; `T` (message maps, see `ClientTypes`) types them.
 *
 * @example
 * ```ts
 * import { ChannelsClient } from 'tschannels/client'
 *
 * const client = new ChannelsClient('wss://example.com/ws/chat/lobby/')
 * client.addEventListener('message', (event) => console.log(event.data))
 * client.addEventListener('recovered', (event) => {
 *   if (!event.recovered) console.log(`reload ${event.group}: messages were missed`)
 * })
 * client.send({ type: 'chat.send', text: 'hello' })
 * const reply = await client.request({ type: 'room.members' }, { timeout: 5000 })
 * ```
 */
export class ChannelsClient<T extends ClientTypes = ClientTypes> {
  /** The URL every connection opens. */
  readonly url: string
  readonly #options: ChannelsClientOptions
  readonly #clock: ClientClock
  readonly #random: () => number
  readonly #socketClass: ClientSocketConstructor
  readonly #events = new EventTarget()
  readonly #queue: string[] = []
  readonly #requests = new Map<number, Pending>()
  readonly #positions = new Map<string, StreamPosition>()
  /** Per group, the offsets delivered above a floor: what a late message is checked against. */
  readonly #seen = new Map<string, { floor: number; offsets: Set<number> }>()
  /**
   * Groups being resumed: their live frames that arrive before the missed
   * ones are held here, else the client would take the missed ones, lower
   * in offset, for duplicates. `until` is the group's offset at the rejoin,
   * which the missed ones reach, once `resumed` has said it.
   */
  readonly #resuming = new Map<string, { held: Record<string, unknown>[]; until?: number }>()
  readonly #unwatch: (() => void)[] = []
  #state: ClientState = 'connecting'
  #socket: ClientSocket | undefined
  // Bumped whenever a socket is let go, so that its late events are ignored.
  #generation = 0
  #attempt = 0
  #openedAt = 0
  #reconnectTimer: unknown
  #heartbeatTimer: unknown
  #resumeTimer: unknown
  #lastFrameAt = 0
  #pingSentAt = 0
  #lastRequestId = 0

  constructor(url: string, options: ChannelsClientOptions = {}) {
    this.url = url
    this.#options = options
    this.#clock = options.clock ?? GLOBAL_CLOCK
    this.#random = options.random ?? Math.random
    const socketClass = options.WebSocket ?? (globalThis as { WebSocket?: ClientSocketConstructor }).WebSocket
    if (!socketClass) {
      throw new ImproperlyConfigured(
        "No global WebSocket here (Node 20): pass one, new ChannelsClient(url, { WebSocket }) with WebSocket from 'ws'.",
      )
    }
    this.#socketClass = socketClass
    for (const [group, position] of Object.entries(options.positions ?? {}))
      this.#positions.set(group, position)
    if (options.watchNetwork !== false) this.#watchNetwork()
    this.#connect()
  }

  /** Where the client is: `'connecting'`, `'open'`, `'reconnecting'` or `'closed'`. */
  get state(): ClientState {
    return this.#state
  }

  /** The last position read in each group with history (save it to resume after a page load). */
  get positions(): Record<string, StreamPosition> {
    return Object.fromEntries(this.#positions)
  }

  /**
   * Sends one JSON value: now when open, otherwise when the next connection
   * opens (in order, behind a `resume`).
   *
   * @throws ClientClosed after `close()` or a final close code.
   * @throws SendQueueFull when `queueLimit` values already wait.
   */
  send(value: OutgoingOf<T>): void {
    this.#sendText(JSON.stringify(value))
  }

  /**
   * Sends `value` with a `__request` id and resolves with the server's
   * reply, the value that carries the same id as `__reply`.
   *
   * @throws RequestTimeout (as a rejection) when no reply came within `timeout` ms.
   * @throws ClientClosed (as a rejection) when the client closes first.
   */
  request<V extends OutgoingOf<T> & object>(
    value: V,
    options: { timeout?: number } = {},
  ): Promise<ReplyOf<T, V>> {
    const id = ++this.#lastRequestId
    const timeout = options.timeout ?? this.#options.requestTimeout ?? 10_000
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#requests.delete(id)
        reject(new RequestTimeout(`No reply to request ${id} within ${timeout} ms.`))
      }, timeout)
      this.#requests.set(id, { resolve, reject, timer })
      try {
        this.#sendText(JSON.stringify({ ...value, [REQUEST_KEY]: id }))
      } catch (error) {
        this.#settle(id)?.reject(error as Error)
      }
    })
  }

  /** Closes for good: no reconnect follows; waiting requests are rejected with `ClientClosed`. */
  close(code = 1000, reason = ''): void {
    if (this.#state === 'closed') return
    const socket = this.#socket
    this.#release()
    socket?.close(code, reason)
    this.#finish(code, reason)
  }

  /** Listens to `'open'`, `'message'`, `'close'`, `'reconnecting'`, `'recovered'` or `'error'`. */
  addEventListener<K extends keyof ChannelsClientEventMap>(
    type: K,
    listener: Listener<ChannelsClientEventMap<IncomingOf<T>>[K]>,
    options?: { once?: boolean; signal?: AbortSignal },
  ): void {
    this.#events.addEventListener(type, listener as Listener<Event>, options)
  }

  /** Removes a listener added by `addEventListener()`. */
  removeEventListener<K extends keyof ChannelsClientEventMap>(
    type: K,
    listener: Listener<ChannelsClientEventMap<IncomingOf<T>>[K]>,
  ): void {
    this.#events.removeEventListener(type, listener as Listener<Event>)
  }

  #emit(event: Event): void {
    this.#events.dispatchEvent(event)
  }

  #sendText(text: string): void {
    if (this.#state === 'closed') throw new ClientClosed('The client is closed.')
    if (this.#state === 'open') return this.#socket!.send(text)
    if (this.#queue.length >= (this.#options.queueLimit ?? 1000)) {
      throw new SendQueueFull(`${this.#queue.length} values already wait for the connection.`)
    }
    this.#queue.push(text)
  }

  #connect(): void {
    const generation = ++this.#generation
    let socket: ClientSocket
    try {
      socket = new this.#socketClass(this.url, this.#options.protocols)
    } catch (error) {
      this.#emit(new ClientErrorEvent(error))
      return this.#finish(1006, String(error))
    }
    this.#socket = socket
    const live = (): boolean => generation === this.#generation
    Object.assign(socket, {
      onopen: () => live() && this.#onOpen(),
      onmessage: (event: { data: unknown }) => live() && this.#onFrame(event.data),
      onclose: (event: { code: number; reason: string }) => live() && this.#onLost(event.code, event.reason),
      onerror: (event: { error?: unknown }) =>
        live() && this.#emit(new ClientErrorEvent(event.error ?? event)),
    })
  }

  #onOpen(): void {
    this.#state = 'open'
    this.#openedAt = this.#lastFrameAt = this.#clock.now()
    this.#pingSentAt = 0
    const socket = this.#socket!
    // Always first, even with no positions: the server joins the groups it
    // keeps history for when it arrives (see answerClientFrame()).
    if (this.#options.resume !== false) {
      this.#resuming.clear()
      for (const group of this.#positions.keys()) this.#resuming.set(group, { held: [] })
      socket.send(JSON.stringify({ type: 'resume', positions: this.positions }))
      if (this.#resuming.size > 0) {
        this.#resumeTimer = this.#clock.setTimeout(() => {
          for (const group of [...this.#resuming.keys()]) this.#endResume(group)
        }, this.#options.resumeTimeout ?? 10_000)
      }
    }
    for (const text of this.#queue.splice(0)) socket.send(text)
    this.#scheduleHeartbeat()
    this.#emit(new Event('open'))
  }

  #onFrame(data: unknown): void {
    this.#lastFrameAt = this.#clock.now()
    this.#pingSentAt = 0
    let value: unknown
    try {
      value = JSON.parse(data as string)
    } catch (error) {
      return this.#emit(new ClientErrorEvent(error))
    }
    if (isRecord(value)) {
      if (value.type === 'pong') return
      if (REPLY_KEY in value) {
        const pending = this.#settle(value[REPLY_KEY] as number)
        return pending?.resolve(value)
      }
      if (value.type === 'resumed' && isRecord(value.groups)) return this.#onResumed(value)
      const position = positionOf(value)
      if (position) {
        const resuming = this.#resuming.get(position.group)
        if (resuming !== undefined) {
          if (resuming.until === undefined) return void resuming.held.push(value)
          // Past the rejoin: whatever was missed has come, so what was held goes first.
          if (position.offset > resuming.until) this.#endResume(position.group)
        }
        this.#deliverPositioned(value, position)
        if (resuming !== undefined && this.#positions.get(position.group)!.offset >= resuming.until!) {
          this.#endResume(position.group)
        }
        return
      }
    }
    this.#emit(new ClientMessageEvent(value))
  }

  #deliverPositioned(value: Record<string, unknown>, position: StreamPosition & { group: string }): void {
    const { group, epoch, offset } = position
    const last = this.#positions.get(group)
    let seen = this.#seen.get(group)
    if (last?.epoch === epoch && offset <= last.offset) {
      // Behind the last one read: a duplicate, or a message another process
      // sent at the same moment that overtook it (the core layer orders
      // senders by their clocks). Only an unseen one in the window is new.
      if (seen === undefined || offset <= seen.floor || offset <= last.offset - LATE_WINDOW) return
      if (seen.offsets.has(offset)) return
      seen.offsets.add(offset)
      return this.#emit(new ClientMessageEvent(value))
    }
    if (seen === undefined || last?.epoch !== epoch) {
      // What came before this group's first delivery here is the client's already (its floor).
      seen = { floor: last?.epoch === epoch ? last.offset : 0, offsets: new Set() }
      this.#seen.set(group, seen)
    }
    seen.offsets.add(offset)
    if (seen.offsets.size > 2 * LATE_WINDOW) {
      for (const old of seen.offsets) if (old <= offset - LATE_WINDOW) seen.offsets.delete(old)
    }
    this.#positions.set(group, { epoch, offset })
    this.#emit(new ClientMessageEvent(value))
  }

  /** Ends `group`'s resume: delivers what was held, in order, without what came again. */
  #endResume(group: string): void {
    const resuming = this.#resuming.get(group)
    if (resuming === undefined) return
    this.#resuming.delete(group)
    for (const value of resuming.held) this.#deliverPositioned(value, positionOf(value)!)
  }

  #onResumed({ groups, positions }: Record<string, unknown>): void {
    for (const [group, position] of Object.entries(isRecord(positions) ? positions : {})) {
      if (!this.#positions.has(group)) {
        this.#positions.set(group, position as StreamPosition)
        this.#seen.delete(group)
      }
    }
    for (const [group, answer] of Object.entries(groups as Record<string, unknown>)) {
      if (!isRecord(answer)) continue
      const recovery = answer as unknown as GroupRecovery
      // Recovered: the missed messages follow and move the position on. Not
      // recovered: read on from where the group is now (no history: forget it).
      if (!recovery.recovered) {
        if (recovery.epoch) this.#positions.set(group, { epoch: recovery.epoch, offset: recovery.offset })
        else this.#positions.delete(group)
        this.#seen.delete(group)
      }
      this.#emit(new RecoveredEvent(group, recovery))
      const resuming = this.#resuming.get(group)
      if (resuming === undefined) continue
      const at = this.#positions.get(group)
      if (recovery.recovered && at !== undefined && at.offset < recovery.offset)
        resuming.until = recovery.offset
      else this.#endResume(group)
    }
    // Groups the answer did not name have nothing to wait for.
    for (const group of [...this.#resuming.keys()]) {
      if (this.#resuming.get(group)!.until === undefined && !(group in (groups as object)))
        this.#endResume(group)
    }
  }

  #onLost(code: number, reason: string): void {
    this.#release()
    const action = closeAction(code, reason)
    if (action.kind === 'final') return this.#finish(code, reason)
    if (this.#clock.now() - this.#openedAt >= STABLE_AFTER && this.#openedAt > 0) this.#attempt = 0
    this.#openedAt = 0
    const delay =
      action.kind === 'drain'
        ? // Staggered over the drain window; a server that keeps draining gets the backoff too.
          Math.max(
            Math.floor(this.#random() * (this.#options.drainWindow ?? 5000)),
            this.#attempt > 0 ? backoffDelay(this.#attempt, this.#options.backoff, this.#random) : 0,
          )
        : action.kind === 'later'
          ? (action.seconds ?? this.#options.rateLimitPause ?? 30) * 1000 +
            backoffDelay(0, this.#options.backoff, this.#random)
          : backoffDelay(this.#attempt, this.#options.backoff, this.#random)
    this.#attempt++
    this.#state = 'reconnecting'
    this.#reconnectTimer = this.#clock.setTimeout(() => this.#connect(), delay)
    this.#emit(new ReconnectingEvent(code, reason, delay, this.#attempt))
  }

  /** Lets go of the current socket and its timers; its later events are ignored. */
  #release(): void {
    this.#generation++
    this.#socket = undefined
    this.#clock.clearTimeout(this.#heartbeatTimer)
    this.#clock.clearTimeout(this.#resumeTimer)
    this.#clock.clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = undefined
  }

  #finish(code: number, reason: string): void {
    this.#state = 'closed'
    for (const unwatch of this.#unwatch.splice(0)) unwatch()
    this.#queue.length = 0
    for (const id of [...this.#requests.keys()])
      this.#settle(id)?.reject(new ClientClosed('The client closed.'))
    this.#emit(new ClientCloseEvent(code, reason))
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#requests.get(id)
    this.#requests.delete(id)
    if (pending) this.#clock.clearTimeout(pending.timer)
    return pending
  }

  #scheduleHeartbeat(): void {
    const heartbeat = this.#options.heartbeat
    if (heartbeat === false) return
    const { interval = 25_000, timeout = 10_000 } = heartbeat ?? {}
    const now = this.#clock.now()
    let wait: number
    if (this.#pingSentAt > 0) {
      wait = this.#pingSentAt + timeout - now
      if (wait <= 0) {
        // Silent past the timeout: the connection is dead even if no close
        // event says so (a dead NAT entry, a sleeping laptop).
        this.#socket?.close(4000, 'No heartbeat')
        return this.#onLost(1006, 'No heartbeat')
      }
    } else {
      wait = this.#lastFrameAt + interval - now
      if (wait <= 0) {
        this.#socket!.send(PING_FRAME)
        this.#pingSentAt = now
        wait = timeout
      }
    }
    this.#heartbeatTimer = this.#clock.setTimeout(() => this.#scheduleHeartbeat(), wait)
  }

  /** Pings now: after `offline` or a return to the page, the connection may be gone. */
  #probe(): void {
    if (this.#state !== 'open' || this.#pingSentAt > 0) return
    this.#lastFrameAt = -Infinity
    this.#clock.clearTimeout(this.#heartbeatTimer)
    this.#scheduleHeartbeat()
  }

  /** Reconnects now instead of waiting out the backoff (back online, page visible again). */
  #wake(): void {
    if (this.#state === 'reconnecting' && this.#reconnectTimer !== undefined) {
      this.#clock.clearTimeout(this.#reconnectTimer)
      this.#reconnectTimer = undefined
      this.#attempt = 0
      this.#connect()
    } else this.#probe()
  }

  #watchNetwork(): void {
    const scope = globalThis as {
      addEventListener?: (type: string, listener: () => void) => void
      removeEventListener?: (type: string, listener: () => void) => void
      document?: { visibilityState: string }
    }
    const listen = (target: typeof scope | undefined, type: string, listener: () => void): void => {
      if (!target?.addEventListener) return
      target.addEventListener(type, listener)
      this.#unwatch.push(() => target.removeEventListener?.(type, listener))
    }
    listen(scope, 'online', () => this.#wake())
    listen(scope, 'offline', () => this.#probe())
    listen(scope.document as typeof scope | undefined, 'visibilitychange', () => {
      if (scope.document?.visibilityState === 'visible') this.#wake()
    })
  }
}
