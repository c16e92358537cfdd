/**
 * One room's connection: a `ChannelsClient` (which reconnects, backs off
 * and reads the close codes), plus the two things only the page knows: how
 * to tell why a handshake failed, and what to show while it waits.
 *
 * @module
 */

import { ChannelsClient } from 'tschannels/client'

import { CLOSE_POLICY, CLOSE_TOO_MANY_CONNECTIONS, CLOSE_UNAUTHORIZED, parseServerEvent } from './types.js'
import type { ClientAction, ServerEvent } from './types.js'

/** Why the connection is waiting to reconnect. */
export type WaitReason = 'dropped' | 'unreachable' | 'refused' | 'rate_limited'

/** Why it gave up; only a user action (log in, Retry) starts it again. */
export type StopReason = 'unauthorized' | 'refused' | 'policy' | 'too_many'

export type ConnectionState =
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'waiting'; until: number; reason: WaitReason }
  | { state: 'stopped'; reason: StopReason; detail: string }
  | { state: 'closed' }

/** What an HTTP request to the same server says about a handshake that failed before opening. */
export type ProbeResult = 'ok' | 'unauthorized' | 'unreachable'

export interface RoomClientOptions {
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

/** Handshakes refused while HTTP works (a 403 from the Origin check): give up after this many. */
const MAX_REFUSALS = 3

export class RoomClient {
  readonly #options: RoomClientOptions
  #client: ChannelsClient | undefined
  #refusals = 0
  #closed = false

  constructor(options: RoomClientOptions) {
    this.#options = options
  }

  /** Opens the connection. */
  start(): void {
    this.#connect()
  }

  /** Closes for good (leaving the room, logging out). */
  close(): void {
    this.#closed = true
    this.#client?.close(1000, 'leaving')
    this.#client = undefined
    this.#options.onState({ state: 'closed' })
  }

  /** Skips the remaining wait (or starts again after a stop) with a fresh connection. */
  retryNow(): void {
    if (this.#closed || this.#client?.state === 'open') return
    this.#refusals = 0
    this.#connect()
  }

  get isOpen(): boolean {
    return this.#client?.state === 'open'
  }

  /** Sends one action; false when the connection is not open (the caller tells the user). */
  send(action: ClientAction): boolean {
    if (!this.#client || this.#client.state !== 'open') return false
    this.#client.send(action)
    return true
  }

  #connect(): void {
    const old = this.#client
    this.#client = undefined
    old?.close(1000, 'retrying')
    // The client resumes the room from its last position after a drop (the
    // page still fetches what it missed over HTTP when the room's history
    // cannot give it), and its heartbeat notices a connection that died
    // without a close.
    const client = new ChannelsClient(this.#options.url)
    this.#client = client
    const current = (): boolean => this.#client === client && !this.#closed
    let opened = false
    this.#options.onState({ state: 'connecting', attempt: 0 })
    client.addEventListener('open', () => {
      if (!current()) return
      opened = true
      this.#refusals = 0
      this.#options.onState({ state: 'open' })
      this.#options.onOpen()
    })
    client.addEventListener('message', (event) => {
      const parsed = current() ? parseServerEvent(event.data) : undefined
      if (parsed) this.#options.onEvent(parsed)
    })
    client.addEventListener('reconnecting', (event) => {
      if (!current()) return
      const until = Date.now() + event.delay
      if (event.code === 4429)
        return this.#options.onState({ state: 'waiting', until, reason: 'rate_limited' })
      if (opened) {
        opened = false
        return this.#options.onState({ state: 'waiting', until, reason: 'dropped' })
      }
      void this.#whyRefused(client, until)
    })
    client.addEventListener('close', (event) => {
      if (!current()) return
      if (event.code === CLOSE_UNAUTHORIZED) return this.#stop('unauthorized', event.reason)
      if (event.code === CLOSE_POLICY) return this.#stop('policy', event.reason)
      // Retrying cannot help until the user closes another tab: wait for the reconnect button.
      if (event.code === CLOSE_TOO_MANY_CONNECTIONS) return this.#stop('too_many', event.reason)
      this.#stop('refused', event.reason)
    })
  }

  /** A handshake failed before opening: ask HTTP whether we are logged out, refused or cut off. */
  async #whyRefused(client: ChannelsClient, until: number): Promise<void> {
    const probe = await this.#options.probe()
    if (this.#client !== client || this.#closed) return
    if (probe === 'unauthorized') return this.#stop('unauthorized', '')
    if (probe === 'unreachable')
      return this.#options.onState({ state: 'waiting', until, reason: 'unreachable' })
    // HTTP works but the handshake does not: most likely the Origin check (403).
    if (++this.#refusals >= MAX_REFUSALS) return this.#stop('refused', '')
    this.#options.onState({ state: 'waiting', until, reason: 'refused' })
  }

  #stop(reason: StopReason, detail: string): void {
    if (this.#closed) return
    const client = this.#client
    this.#client = undefined
    client?.close()
    this.#options.onState({ state: 'stopped', reason, detail })
  }
}
