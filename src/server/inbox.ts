/**
 * The inbound side of one WebSocket: events wait in order until the
 * application's `receive()` takes them, and when too many wait, or they
 * hold too many bytes, the socket is paused so TCP pushes back on the
 * client instead of the queue growing (it resumes once the application has
 * caught up by half). The final `websocket.disconnect` is pushed exactly
 * once; a `receive()` after it has nothing left to give and never resolves.
 *
 * Bytes are counted only for frames that wait: a frame handed straight to a
 * pending `receive()`, the usual case, costs nothing extra. The size of each
 * waiting frame is kept beside it, so taking one subtracts exactly what
 * adding it counted, in O(1).
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
  #pauseBytes: number
  #source: PausableSource | null = null
  /** Bytes of the frames waiting in the queue. */
  #bytes = 0
  // Sizes of the waiting events, oldest first from #sizesHead, kept in step
  // with the queue; made on the first event that has to wait.
  #sizes: number[] | null = null
  #sizesHead = 0

  /** The application's `receive()`. */
  // Bound in the constructor rather than written as an arrow field: under a
  // transpiler that keeps function names, every arrow field pays a name
  // property of its own, and this one exists once per connection.
  readonly receive: () => Promise<Message>

  /**
   * @param maxQueued - events waiting at which reading pauses
   * @param pauseBytes - bytes waiting at which reading pauses
   */
  constructor(maxQueued: number, pauseBytes = Infinity) {
    this.#max = maxQueued
    this.#pauseBytes = pauseBytes
    this.receive = this.#receive.bind(this)
  }

  /** True while reading is paused because the application is behind. */
  get paused(): boolean {
    return this.#paused
  }

  /** Bytes of the client's frames the application has not received yet. */
  get bytes(): number {
    return this.#bytes
  }

  /** True when the application is waiting in `receive()` with nothing to give it. */
  get waiting(): boolean {
    return this.#queue.hasWaiters()
  }

  /** Starts flow control on `source` (once the socket exists). */
  attach(source: PausableSource): void {
    this.#source = source
  }

  /**
   * Queues an event from the client, `size` bytes of it payload. Returns the
   * bytes now waiting, 0 when the event went straight to a waiting `receive()`
   * (or was dropped, after the final event).
   */
  push(event: Message, size = 0): number {
    // Nothing follows the disconnect: frames still arriving from a connection
    // closed for holding too much would otherwise pile up behind it.
    if (this.#final) return 0
    if (this.#queue.hasWaiters()) {
      this.#queue.put(event)
      return 0
    }
    this.#queue.put(event)
    this.#bytes += size
    ;(this.#sizes ??= []).push(size)
    if (
      (this.#queue.size >= this.#max || this.#bytes >= this.#pauseBytes) &&
      !this.#paused &&
      this.#source !== null
    ) {
      this.#paused = true
      this.#source.pause()
    }
    return this.#bytes
  }

  /** Queues the last event; returns false (and queues nothing) when one was already queued. */
  finish(event: Message): boolean {
    if (this.#final) return false
    this.#final = true
    // No flow control here: pausing a closing socket would keep the peer's close frame unread.
    if (!this.#queue.hasWaiters()) (this.#sizes ??= []).push(0)
    this.#queue.put(event)
    return true
  }

  /**
   * Drops every event still waiting, so their memory goes at once; used when
   * the connection is closed for holding too much. The final event, pushed
   * after this, is then the next thing `receive()` gives.
   */
  discard(): void {
    this.#queue.clear()
    this.#bytes = 0
    this.#sizes = null
    this.#sizesHead = 0
  }

  #receive(): Promise<Message> {
    if (this.#final && this.#queue.size === 0) return NEVER
    const sizes = this.#sizes
    if (sizes !== null && this.#queue.size > 0) {
      this.#bytes -= sizes[this.#sizesHead++]!
      if (this.#sizesHead === sizes.length) {
        sizes.length = 0
        this.#sizesHead = 0
      } else if (this.#sizesHead > 1024 && this.#sizesHead * 2 > sizes.length) {
        // A queue that never empties must not keep a growing dead prefix.
        this.#sizes = sizes.slice(this.#sizesHead)
        this.#sizesHead = 0
      }
    }
    const next = this.#queue.get()
    if (this.#paused && this.#queue.size <= this.#max >> 1 && this.#bytes <= this.#pauseBytes / 2) {
      this.#paused = false
      this.#source?.resume()
    }
    return next
  }
}
