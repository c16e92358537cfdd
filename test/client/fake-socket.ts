/**
 * A WebSocket stand-in and a manual clock for the client's unit tests: the
 * test opens, feeds and closes sockets by hand and moves time itself.
 *
 * @module
 */

import type { ClientClock, ClientSocket } from 'tschannels/client'

/** One socket the client opened; the test drives its events. */
export class FakeSocket implements ClientSocket {
  readyState = 0
  readonly sent: string[] = []
  closedWith: { code?: number; reason?: string } | undefined
  onopen?: () => void
  onmessage?: (event: { data: unknown }) => void
  onclose?: (event: { code: number; reason: string }) => void
  onerror?: (event: { error?: unknown }) => void

  constructor(readonly url: string) {}
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(data)
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason }
    this.readyState = 3
  }
  open(): void {
    this.readyState = 1
    this.onopen?.()
  }
  receive(value: unknown): void {
    this.onmessage?.({ data: typeof value === 'string' ? value : JSON.stringify(value) })
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }
  /** What the client sent, parsed. */
  frames(): unknown[] {
    return this.sent.map((text) => JSON.parse(text) as unknown)
  }
}

/** A socket class of its own for one test, with the sockets it made. */
export function fakeSockets(): {
  WebSocket: new (url: string) => FakeSocket
  made: FakeSocket[]
  last(): FakeSocket
} {
  const made: FakeSocket[] = []
  return {
    WebSocket: class extends FakeSocket {
      constructor(url: string) {
        super(url)
        made.push(this)
      }
    },
    made,
    last() {
      const socket = made.at(-1)
      if (!socket) throw new Error('no socket was opened')
      return socket
    },
  }
}

/** A clock whose time moves only when the test calls `advance()`. */
export class ManualClock implements ClientClock {
  time = 0
  #timers = new Map<number, { at: number; callback: () => void }>()
  #next = 0

  now(): number {
    return this.time
  }
  setTimeout(callback: () => void, ms: number): number {
    const id = ++this.#next
    this.#timers.set(id, { at: this.time + ms, callback })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }
  /** Moves time on by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms
    for (let guard = 0; guard < 10_000; guard++) {
      const due = [...this.#timers]
        .filter(([, timer]) => timer.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.#timers.delete(due[0])
      this.time = due[1].at
      due[1].callback()
    }
    this.time = end
  }
  /** Milliseconds until the earliest timer, or undefined. */
  nextIn(): number | undefined {
    const ats = [...this.#timers.values()].map((timer) => timer.at - this.time)
    return ats.length ? Math.min(...ats) : undefined
  }
}
