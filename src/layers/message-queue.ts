/**
 * The queue behind one in-memory channel: a growable ring buffer of messages
 * with their expiry times in a parallel array.
 *
 * `Array.prototype.shift` is O(n), which hurts exactly when a channel backs
 * up; a ring makes both ends O(1). Two parallel arrays instead of one array
 * of `{ message, expiresAt }` avoid an allocation per queued message.
 *
 * @module
 * @internal
 */

import type { LayerMessage } from '../types.js'
import { frozenEmptyArray } from '../util/frozen-empty.js'

/** The buffers of a queue that has never held a message; `push()` replaces them before writing. */
const NO_MESSAGES = frozenEmptyArray<LayerMessage | undefined>()
const NO_EXPIRIES = frozenEmptyArray<number>()

/** Slots allocated on the first push; most channels hold a message or two at a time. */
const INITIAL_SLOTS = 4

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
