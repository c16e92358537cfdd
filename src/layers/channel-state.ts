/**
 * What a channel holds in this process: its queue of messages, a growable
 * ring buffer with the messages' expiry times in a parallel array, and its
 * queue of waiters (pending receives, or a consumer listening for good).
 * A pending receive is a `ReceiveWaiter`, which is its own abort listener
 * (`handleEvent`), so a `receive()` with a signal costs no closure beyond
 * the promise's executor.
 *
 * `Array.prototype.shift` is O(n), which hurts exactly when a channel backs
 * up; a ring makes both ends O(1). Two parallel arrays instead of one array
 * of `{ message, expiresAt }` avoid an allocation per queued message.
 *
 * @module
 * @internal
 */

import { ReceiveCancelled } from '../errors.js'
import type { LayerMessage } from '../types.js'
import { frozenEmptyArray } from '../util/frozen-empty.js'
import { stackless } from '../util/stackless.js'

/** The buffers of a queue that has never held a message; `push()` replaces them before writing. */
const NO_MESSAGES = frozenEmptyArray<LayerMessage | undefined>()
const NO_EXPIRIES = frozenEmptyArray<number>()

/** Slots allocated on the first push; most channels hold a message or two at a time. */
const INITIAL_SLOTS = 4

/** Whatever a channel can hand a message to. @internal */
export type ChannelWaiter = Waiter<LayerMessage, ReceiveCancelled>

/**
 * The state of one channel. Invariant: when `waiters` is
 * not empty, `queue` is, because `send()` hands a message straight to the
 * oldest waiter instead of queueing it.
 *
 * @internal
 */
export class ChannelState {
  readonly queue = new MessageQueue()
  readonly waiters = new WaiterList<ChannelWaiter>()
  /** The channel's capacity, resolved from `channelCapacity` once per state. */
  readonly capacity: number

  constructor(capacity: number) {
    this.capacity = capacity
  }

  /** Ends every pending receive with one `ReceiveCancelled` saying `message`, made only when someone waits. */
  cancelWaiters(message: string): void {
    // Detach first: a waiter's own cancel must not splice the array being walked.
    const waiters = this.waiters.takeAll()
    if (waiters.length === 0) return
    const error = stackless(() => new ReceiveCancelled(message))
    for (const waiter of waiters) waiter.cancel(error)
  }
}

/**
 * A FIFO of messages, each with the monotonic time (ms) after which it is
 * stale.
 *
 * @internal
 */
export class MessageQueue {
  // Shared and empty until the first push: most channels are read as soon
  // as a message arrives and never queue one.
  #messages: Array<LayerMessage | undefined> = NO_MESSAGES
  #expiries: number[] = NO_EXPIRIES
  #head = 0
  #length = 0

  /** Messages queued. */
  get length(): number {
    return this.#length
  }

  /** Appends a message that goes stale at `expiresAt`. */
  push(message: LayerMessage, expiresAt: number): void {
    if (this.#length === this.#messages.length) this.#grow()
    const slot = (this.#head + this.#length) & (this.#messages.length - 1)
    this.#messages[slot] = message
    this.#expiries[slot] = expiresAt
    this.#length++
  }

  /** Removes and returns the oldest message. Call only when `length > 0`. */
  shift(): LayerMessage {
    const slot = this.#head
    const message = this.#messages[slot]!
    // Clearing the slot lets the message be collected while the ring lives on.
    this.#messages[slot] = undefined
    this.#head = (slot + 1) & (this.#messages.length - 1)
    this.#length--
    return message
  }

  /** Expiry time of the oldest message, or `Infinity` when empty. */
  peekExpiry(): number {
    return this.#length === 0 ? Infinity : this.#expiries[this.#head]!
  }

  /**
   * Drops messages that went stale at or before `now`. Messages are queued in
   * expiry order (one expiry per layer, monotonic clock), so only the head
   * needs checking.
   *
   * @returns How many were dropped.
   */
  dropExpired(now: number): number {
    let dropped = 0
    while (this.#length > 0 && this.#expiries[this.#head]! <= now) {
      this.shift()
      dropped++
    }
    return dropped
  }

  /** Forgets every message and releases the buffer. */
  clear(): void {
    this.#messages = NO_MESSAGES
    this.#expiries = NO_EXPIRIES
    this.#head = 0
    this.#length = 0
  }

  // Capacity stays a power of two so that wrapping is a mask, not a modulo.
  #grow(): void {
    const size = this.#messages.length
    const next = size === 0 ? INITIAL_SLOTS : size * 2
    const messages = new Array<LayerMessage | undefined>(next)
    const expiries = new Array<number>(next)
    for (let i = 0; i < this.#length; i++) {
      const from = (this.#head + i) & (size - 1)
      messages[i] = this.#messages[from]
      expiries[i] = this.#expiries[from]!
    }
    this.#messages = messages
    this.#expiries = expiries
    this.#head = 0
  }
}

/** What a channel hands messages to: a pending `receive()`, or a consumer listening for good. @internal */
export interface Waiter<M, E> {
  /** Takes `message`. The channel has already removed this waiter. */
  deliver(message: M): void
  /** Ends the wait with `error`. The channel has already removed this waiter. */
  cancel(error: E): void
}

/**
 * A FIFO of waiters. A channel almost always has none or one, so the first
 * has a slot of its own and the array exists only while several wait: an
 * array grown by `push` keeps 17 slots for good, and there is one channel
 * per connection.
 *
 * @internal
 */
export class WaiterList<W> {
  #first: W | undefined
  #rest: W[] | undefined

  /** Waiters pending. */
  get length(): number {
    if (this.#first === undefined) return 0
    return this.#rest === undefined ? 1 : 1 + this.#rest.length
  }

  /** Appends `waiter`. */
  push(waiter: W): void {
    if (this.#first === undefined) this.#first = waiter
    else (this.#rest ??= []).push(waiter)
  }

  /** Removes and returns the oldest waiter. */
  shift(): W | undefined {
    const first = this.#first
    if (first === undefined) return undefined
    const rest = this.#rest
    if (rest === undefined) this.#first = undefined
    else {
      this.#first = rest.shift()
      if (rest.length === 0) this.#rest = undefined
    }
    return first
  }

  /** Removes `waiter`; false when it was not there (already served or cancelled). */
  remove(waiter: W): boolean {
    if (this.#first === waiter) {
      this.shift()
      return true
    }
    const rest = this.#rest
    const index = rest === undefined ? -1 : rest.indexOf(waiter)
    if (index === -1) return false
    rest!.splice(index, 1)
    if (rest!.length === 0) this.#rest = undefined
    return true
  }

  /** Removes every waiter and returns them, oldest first. */
  takeAll(): W[] {
    const all: W[] = []
    for (let waiter = this.shift(); waiter !== undefined; waiter = this.shift()) all.push(waiter)
    return all
  }
}

/**
 * A `receive()` waiting for a message. Settles exactly once: a message handed
 * over by `deliver()` is never lost to a later abort, because delivery
 * resolves the promise synchronously and removes the abort listener.
 *
 * @internal
 */
export class ReceiveWaiter implements ChannelWaiter {
  readonly promise: Promise<LayerMessage>
  #resolve!: (message: LayerMessage) => void
  #reject!: (error: ReceiveCancelled) => void
  readonly #state: ChannelState
  readonly #channel: string
  readonly #signal: AbortSignal | undefined

  constructor(state: ChannelState, channel: string, signal: AbortSignal | undefined) {
    this.#state = state
    this.#channel = channel
    this.#signal = signal
    this.promise = new Promise<LayerMessage>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    signal?.addEventListener('abort', this, { once: true })
    state.waiters.push(this)
  }

  /** Hands `message` to the receiver. The caller has already removed this waiter from the state. */
  deliver(message: LayerMessage): void {
    this.#signal?.removeEventListener('abort', this)
    this.#resolve(message)
  }

  /** Ends the wait with `error`. The caller has already removed this waiter from the state. */
  cancel(error: ReceiveCancelled): void {
    this.#signal?.removeEventListener('abort', this)
    this.#reject(error)
  }

  /** The abort listener: leaves the queue of waiters and rejects. */
  handleEvent(): void {
    // Not found means a message or a cancellation got here first and already settled the promise.
    if (!this.#state.waiters.remove(this)) return
    this.#reject(
      new ReceiveCancelled(`receive() on '${this.#channel}' was cancelled: its signal was aborted.`, {
        cause: this.#signal?.reason,
      }),
    )
  }
}
