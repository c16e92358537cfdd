/**
 * The inbound side of one WebSocket: events wait in order until the
 * application's `receive()` takes them, and when too many wait, the socket
 * is paused so TCP pushes back on the client instead of the queue growing
 * (it resumes once the application has caught up by half). The final
 * `websocket.disconnect` is pushed exactly once; a `receive()` after it has
 * nothing left to give and never resolves.
 *
 * @module
 */

import type { Message } from '../types.js'
import { AsyncQueue } from '../util/async-queue.js'

const NEVER: Promise<never> = new Promise(() => {})

/** What the inbox pauses: the `ws` socket. @internal */
export interface PausableSource {
  pause(): void
  resume(): void
}

/** Events for one application, with flow control. @internal */
export class Inbox {
  #queue = new AsyncQueue<Message>()
  #final = false
  #paused = false
  #max: number
  #source: PausableSource | null = null

  /** The application's `receive()`. */
  // Bound in the constructor rather than written as an arrow field: under a
  // transpiler that keeps function names, every arrow field pays a name
  // property of its own, and this one exists once per connection.
  readonly receive: () => Promise<Message>

  constructor(maxQueued: number) {
    this.#max = maxQueued
    this.receive = this.#receive.bind(this)
  }

  /** True while reading is paused because the application is behind. */
  get paused(): boolean {
    return this.#paused
  }

  /** Starts flow control on `source` (once the socket exists). */
  attach(source: PausableSource): void {
    this.#source = source
  }

  /** Queues an event from the client. */
  push(event: Message): void {
    this.#queue.put(event)
    if (this.#queue.size >= this.#max && !this.#paused && this.#source !== null) {
      this.#paused = true
      this.#source.pause()
    }
  }

  /** Queues the last event; returns false (and queues nothing) when one was already queued. */
  finish(event: Message): boolean {
    if (this.#final) return false
    this.#final = true
    this.#queue.put(event)
    return true
  }

  #receive(): Promise<Message> {
    if (this.#final && this.#queue.size === 0) return NEVER
    const next = this.#queue.get()
    if (this.#paused && this.#queue.size <= this.#max >> 1) {
      this.#paused = false
      this.#source?.resume()
    }
    return next
  }
}
