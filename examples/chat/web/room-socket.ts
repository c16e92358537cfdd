/**
 * One room's WebSocket, kept alive: reconnects with backoff after a drop and
 * reads the server's close codes so that it never reconnect-loops on a
 * refusal that a retry cannot fix.
 *
 * @module
 */

import { backoffDelay, rateLimitDelay } from './backoff.js'
import {
  CLOSE_POLICY,
  CLOSE_RATE_LIMITED,
  CLOSE_TOO_MANY_CONNECTIONS,
  CLOSE_UNAUTHORIZED,
  parseServerEvent,
} from './types.js'
import type { ClientAction, ServerEvent } from './types.js'

/** Why the socket is waiting to reconnect. */
export type WaitReason = 'dropped' | 'unreachable' | 'refused' | 'rate_limited'

/** Why the socket gave up; only a user action (log in, Retry) starts it again. */
export type StopReason = 'unauthorized' | 'refused' | 'policy' | 'too_many'

export type ConnectionState =
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'waiting'; until: number; reason: WaitReason }
  | { state: 'stopped'; reason: StopReason; detail: string }
  | { state: 'closed' }

/** What an HTTP request to the same server says about a handshake that failed before opening. */
export type ProbeResult = 'ok' | 'unauthorized' | 'unreachable'

export interface RoomSocketOptions {
  url: string
  onOpen(): void
  onEvent(event: ServerEvent): void
  onState(state: ConnectionState): void
  /**
   * Called when the handshake failed before opening. Browsers report every
   * handshake failure (403 from the Origin check, server down, proxy error)
   * as the same bare 1006, so an HTTP request is the only way to tell them apart.
   */
  probe(): Promise<ProbeResult>
}

/** A connection that lived this long counts as healthy: the backoff starts over. */
const STABLE_AFTER_MS = 10_000

/** Handshakes refused while HTTP works (a 403 from the Origin check): give up after this many. */
const MAX_REFUSALS = 3

export class RoomSocket {
  readonly #options: RoomSocketOptions
  #ws: WebSocket | undefined
  #attempt = 0
  #refusals = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #stableTimer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  // Bumped on every connect so late callbacks from an older socket are ignored.
  #generation = 0

  constructor(options: RoomSocketOptions) {
    this.#options = options
  }

  /** Opens the first connection and starts listening for the browser coming back online. */
  start(): void {
    window.addEventListener('online', this.#onOnline)
    this.#connect()
  }

  /** Closes for good (leaving the room, logging out). */
  close(): void {
    this.#closed = true
    this.#generation++
    this.#clearTimers()
    window.removeEventListener('online', this.#onOnline)
    this.#ws?.close(1000, 'leaving')
    this.#ws = undefined
    this.#options.onState({ state: 'closed' })
  }

  /** Skips the remaining wait (or restarts after a stop) and connects now. */
  retryNow(): void {
    if (this.#closed) return
    if (this.#ws && this.#ws.readyState <= WebSocket.OPEN) return
    this.#attempt = 0
    this.#refusals = 0
    this.#connect()
  }

  get isOpen(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN
  }

  /** Sends one action; false when the socket is not open (the caller tells the user). */
  send(action: ClientAction): boolean {
    if (!this.#ws || this.#ws.readyState !== WebSocket.OPEN) return false
    this.#ws.send(JSON.stringify(action))
    return true
  }

  readonly #onOnline = (): void => {
    if (this.#timer !== undefined) this.retryNow()
  }

  #connect(): void {
    this.#clearTimers()
    const generation = ++this.#generation
    this.#options.onState({ state: 'connecting', attempt: this.#attempt })
    let ws: WebSocket
    try {
      ws = new WebSocket(this.#options.url)
    } catch (error) {
      this.#stop('refused', error instanceof Error ? error.message : String(error))
      return
    }
    this.#ws = ws
    let opened = false
    ws.addEventListener('open', () => {
      if (generation !== this.#generation) return
      opened = true
      this.#refusals = 0
      this.#stableTimer = setTimeout(() => (this.#attempt = 0), STABLE_AFTER_MS)
      this.#options.onState({ state: 'open' })
      this.#options.onOpen()
    })
    ws.addEventListener('message', (event: MessageEvent) => {
      if (generation !== this.#generation) return
      const parsed = parseServerEvent(event.data)
      if (parsed) this.#options.onEvent(parsed)
    })
    ws.addEventListener('close', (event: CloseEvent) => {
      if (generation !== this.#generation) return
      clearTimeout(this.#stableTimer)
      this.#ws = undefined
      void this.#afterClose(event.code, event.reason, opened, generation)
    })
  }

  async #afterClose(code: number, reason: string, opened: boolean, generation: number): Promise<void> {
    if (code === CLOSE_UNAUTHORIZED) return this.#stop('unauthorized', reason)
    if (code === CLOSE_POLICY) return this.#stop('policy', reason)
    // Retrying cannot help until the user closes another tab: wait for the reconnect button.
    if (code === CLOSE_TOO_MANY_CONNECTIONS) return this.#stop('too_many', reason)
    if (code === CLOSE_RATE_LIMITED) return this.#wait(rateLimitDelay(), 'rate_limited')
    if (opened) return this.#wait(this.#nextDelay(), 'dropped')

    const probe = await this.#options.probe()
    if (generation !== this.#generation || this.#closed) return
    if (probe === 'unauthorized') return this.#stop('unauthorized', '')
    if (probe === 'unreachable') return this.#wait(this.#nextDelay(), 'unreachable')
    // HTTP works but the handshake does not: most likely the Origin check (403).
    if (++this.#refusals >= MAX_REFUSALS) return this.#stop('refused', reason)
    this.#wait(this.#nextDelay(), 'refused')
  }

  #nextDelay(): number {
    return backoffDelay(this.#attempt++)
  }

  #wait(delay: number, reason: WaitReason): void {
    if (this.#closed) return
    this.#clearTimers()
    this.#timer = setTimeout(() => this.#connect(), delay)
    this.#options.onState({ state: 'waiting', until: Date.now() + delay, reason })
  }

  #stop(reason: StopReason, detail: string): void {
    if (this.#closed) return
    this.#clearTimers()
    this.#options.onState({ state: 'stopped', reason, detail })
  }

  #clearTimers(): void {
    clearTimeout(this.#timer)
    clearTimeout(this.#stableTimer)
    this.#timer = undefined
    this.#stableTimer = undefined
  }
}
