/**
 * The channels of this process and the messages waiting in them: the local
 * end of "one Redis reader per process, demultiplexed locally". A layer's
 * reader takes a batch from Redis and hands each message to the channel it
 * names; `receive()` takes it from there without another round trip.
 *
 * Only open channels receive: a message for a channel that was discarded
 * (its consumer ended) is dropped on arrival, so nothing builds up.
 *
 * @module
 * @internal
 */

import type { LayerMessage } from '../../types.js'
import type { ChannelListener } from '../channel-listener.js'
import { ChannelState, ReceiveWaiter } from '../channel-state.js'
import { positionOf } from '../history.js'

/** What became of a message handed to `deliver()`. @internal */
export type Delivery = 'delivered' | 'queued' | 'full' | 'closed'

/**
 * A channel rejoining a group with history: while `held` is set, the
 * group's live messages wait there for the recovered ones; afterwards, live
 * messages at or below `floor` were among the recovered ones and are
 * dropped.
 */
interface Seam {
  held: LayerMessage[] | undefined
  floor: number
  /** The epoch `floor` counts in: a message of another epoch is never a duplicate. */
  epoch: string
}

/**
 * Open channels with their buffers and waiting receives.
 *
 * @internal
 */
export class LocalChannels {
  readonly #states = new Map<string, ChannelState>()
  /** Channel → group → its seam, for channels that rejoined a group with `since`. */
  readonly #seams = new Map<string, Map<string, Seam>>()
  readonly #capacityOf: (channel: string) => number
  readonly #expiryMs: number
  readonly #now: () => number

  /**
   * @param capacityOf - The capacity of a channel (from `capacity` and `channelCapacity`).
   * @param expiryMs - How long a message may wait in a buffer.
   * @param now - The clock expiry is measured on, in ms (tests drive their own).
   */
  constructor(capacityOf: (channel: string) => number, expiryMs: number, now: () => number = monotonicNow) {
    this.#capacityOf = capacityOf
    this.#expiryMs = expiryMs
    this.#now = now
  }

  /** Number of open channels. */
  get size(): number {
    return this.#states.size
  }

  /** Whether `channel` is open here. */
  has(channel: string): boolean {
    return this.#states.has(channel)
  }

  /** Opens `channel` (a no-op when it is open). */
  open(channel: string): ChannelState {
    let state = this.#states.get(channel)
    if (state === undefined) this.#states.set(channel, (state = new ChannelState(this.#capacityOf(channel))))
    return state
  }

  /** The names of the open channels. */
  names(): IterableIterator<string> {
    return this.#states.keys()
  }

  /** Messages buffered in `channel` (tests, capacity checks). */
  queued(channel: string): number {
    return this.#states.get(channel)?.queue.length ?? 0
  }

  /** Whether `channel` is open and its buffer holds `capacity` messages with nobody waiting. */
  isFull(channel: string): boolean {
    const state = this.#states.get(channel)
    if (state === undefined || state.waiters.length > 0) return false
    this.#dropStale(state)
    return state.queue.length >= state.capacity
  }

  /**
   * Hands `message` to the oldest waiting receive, or buffers it. A full
   * buffer keeps what it has and refuses the new message, as a full channel
   * does in Redis.
   *
   * @param ageMs - How long ago the message was sent, which counts towards its expiry.
   */
  deliver(channel: string, message: LayerMessage, ageMs = 0): Delivery {
    const state = this.#states.get(channel)
    if (state === undefined) return 'closed'
    if (this.#seams.size !== 0) {
      const seams = this.#seams.get(channel)
      if (seams !== undefined) {
        const stopped = this.#atSeam(seams, message)
        if (stopped !== undefined) return stopped
      }
    }
    const waiter = state.waiters.shift()
    if (waiter !== undefined) {
      waiter.deliver(message)
      return 'delivered'
    }
    // One clock read serves both the stale check and the new message's expiry: a burst queues
    // thousands of messages, and each read of the clock costs about as much as the rest of this.
    const now = this.#now()
    if (state.queue.peekExpiry() <= now) state.queue.dropExpired(now)
    if (state.queue.length >= state.capacity) return 'full'
    state.queue.push(message, now + this.#expiryMs - ageMs)
    return 'queued'
  }

  /** The next message of `channel` (opening it if needed). */
  receive(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    const state = this.#states.get(channel) ?? this.open(channel)
    const queued = this.#takeQueued(state)
    if (queued !== undefined) return Promise.resolve(queued)
    return new ReceiveWaiter(state, channel, signal).promise
  }

  /**
   * The next message of `channel` if one is buffered, or `undefined` with
   * `listener` parked in the channel's queue of waiters (opening it if needed).
   */
  listen(channel: string, listener: ChannelListener): LayerMessage | undefined {
    const state = this.#states.get(channel) ?? this.open(channel)
    const queued = this.#takeQueued(state)
    if (queued === undefined) state.waiters.push(listener)
    return queued
  }

  /**
   * Starts holding `group`'s live messages to `channel` (which must be
   * open): it is rejoining with `since`, and what it missed must come
   * first. `release()` ends it.
   */
  hold(channel: string, group: string): void {
    let seams = this.#seams.get(channel)
    if (seams === undefined) this.#seams.set(channel, (seams = new Map<string, Seam>()))
    // A second rejoin while the first is still reading keeps what the first holds.
    const seam = seams.get(group)
    if (seam === undefined) seams.set(group, { held: [], floor: -1, epoch: '' })
    else seam.held ??= []
  }

  /**
   * Puts `recovered` on `channel` (past its capacity: the history's size
   * bounds them), then the held live messages newer than `floor`, the last
   * offset read from the history; from now on live messages of `group` at
   * or below `floor` are duplicates and dropped. Without `recovered` (the
   * history could not give them) every held message is delivered and the
   * seam is gone.
   */
  release(
    channel: string,
    group: string,
    recovered: readonly LayerMessage[] | undefined,
    floor: number,
    epoch = '',
  ): void {
    const seams = this.#seams.get(channel)
    const seam = seams?.get(group)
    if (seams === undefined || seam === undefined) return
    const held = seam.held ?? []
    seam.held = undefined
    seam.floor = recovered === undefined ? -1 : floor
    seam.epoch = epoch
    if (recovered === undefined) this.#forget(channel, seams, group)
    const state = this.#states.get(channel)
    if (state === undefined) return
    // Past capacity if need be: the history's size bounds what was recovered, the read's duration what was held.
    const expiresAt = this.#now() + this.#expiryMs
    if (recovered !== undefined) for (const message of recovered) state.queue.push(message, expiresAt)
    for (const message of held) {
      const position = positionOf(message)!
      if (position.epoch !== seam.epoch || position.offset > seam.floor) state.queue.push(message, expiresAt)
    }
    while (state.waiters.length > 0 && state.queue.length > 0)
      state.waiters.shift()!.deliver(state.queue.shift())
  }

  /** Forgets `channel`'s seam with `group` (it left the group). */
  unseam(channel: string, group: string): void {
    const seams = this.#seams.get(channel)
    if (seams !== undefined) this.#forget(channel, seams, group)
  }

  /** Closes `channel`: drops its buffer and cancels its receives. */
  discard(channel: string, reason: string): void {
    this.#seams.delete(channel)
    const state = this.#states.get(channel)
    if (state === undefined) return
    this.#states.delete(channel)
    state.queue.clear()
    state.cancelWaiters(`receive() on '${channel}' was cancelled: ${reason}.`)
  }

  /** Empties every buffer and cancels every receive; channels stay open (flush). */
  clear(reason: string): void {
    this.#seams.clear()
    for (const [channel, state] of this.#states) {
      state.queue.clear()
      state.cancelWaiters(`receive() on '${channel}' was cancelled: ${reason}.`)
    }
  }

  /** Closes every channel (layer close). */
  closeAll(reason: string): void {
    this.clear(reason)
    this.#states.clear()
    this.#seams.clear()
  }

  /** What the seam does with `message`: hold it, drop it (a duplicate), or `undefined` to deliver it. */
  #atSeam(seams: Map<string, Seam>, message: LayerMessage): Delivery | undefined {
    const position = positionOf(message)
    const seam = position === undefined ? undefined : seams.get(position.group)
    if (seam === undefined) return undefined
    if (seam.held !== undefined) {
      seam.held.push(message)
      return 'queued'
    }
    if (position!.epoch === seam.epoch) return position!.offset <= seam.floor ? 'delivered' : undefined
    // A new epoch (the history was lost): nothing of it was read, so nothing is a duplicate any more.
    seams.delete(position!.group)
    return undefined
  }

  #forget(channel: string, seams: Map<string, Seam>, group: string): void {
    seams.delete(group)
    if (seams.size === 0) this.#seams.delete(channel)
  }

  /** The oldest buffered message that has not expired, taken out; `undefined` when there is none. */
  #takeQueued(state: ChannelState): LayerMessage | undefined {
    if (state.queue.length === 0) return undefined
    this.#dropStale(state)
    return state.queue.length > 0 ? state.queue.shift() : undefined
  }

  #dropStale(state: ChannelState): void {
    const now = this.#now()
    if (state.queue.peekExpiry() <= now) state.queue.dropExpired(now)
  }
}

function monotonicNow(): number {
  return performance.now()
}
