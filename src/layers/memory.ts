/**
 * `InMemoryChannelLayer`: the channel layer for one process, the embedded
 * default. Fast, and gone when the process exits; use the Redis layers to
 * talk across processes.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import type { LayerMessage } from '../types.js'
import { monotonicClock, type Clock } from '../util/clock.js'
import { randomName } from '../util/random-pool.js'
import { rejectWith } from '../util/reject-with.js'
import { capacityFor, type CapacityRule } from './capacity.js'
import type { ChannelLayer, ChannelLayerOptions, ReceiveOptions } from './channel-layer.js'
import { LISTEN } from './channel-listener.js'
import type { ChannelListener, ListenableLayer } from './channel-listener.js'
import { GroupRegistry } from './group-registry.js'
import {
  NO_HISTORY,
  historyFor,
  isStreamPosition,
  type GroupAddOptions,
  type GroupJoin,
  type HistoryRule,
} from './history.js'
import {
  LAYER_EXTENSIONS,
  assertOpen,
  channelFull,
  requireMessage,
  requireNotAborted,
  requireValidChannelName,
  requireValidGroupName,
} from './layer-checks.js'
import { MemoryHistories } from './memory-history.js'
import { MemoryPresence } from './memory-presence.js'
import type { LayerPresence } from './presence.js'
import { resolveLayerOptions } from './options.js'
import { ChannelState, ReceiveWaiter } from './channel-state.js'
import type { ChannelWaiter } from './channel-state.js'
import { SweepTimer } from './sweep-timer.js'
import { WatchedWaiter, watchFor } from './watched-waiter.js'

/** Options of `InMemoryChannelLayer`: the common layer options, and a clock. */
export interface InMemoryChannelLayerOptions extends ChannelLayerOptions {
  /**
   * Where expiry reads the time, in ms; tests pass their own to make
   * messages and memberships expire without waiting.
   * @default performance.now
   */
  clock?: Clock
}

/**
 * A channel layer held in this process's memory, with Channels' semantics:
 * per-channel capacity, message expiry (a channel holding an expired message
 * is taken out of its groups, as its consumer is presumably gone) and group
 * expiry.
 *
 * Messages are delivered as given, not copied: a `groupSend` hands the same
 * object to every member. Treat a message as immutable once sent. (Channels
 * deep-copies each delivery; for a fan-out to N members that is N copies on
 * the hot path, so this layer leaves copying to the rare code that mutates.)
 *
 * @example
 * ```ts
 * const layer = new InMemoryChannelLayer({ capacity: 500 })
 * const channel = await layer.newChannel()
 * await layer.groupAdd('room.lobby', channel)
 * await layer.groupSend('room.lobby', { type: 'chat.message', text: 'hi' })
 * await layer.receive(channel) // { type: 'chat.message', text: 'hi' }
 * await layer.close()
 * ```
 */
export class InMemoryChannelLayer implements ChannelLayer {
  /** Channels' extension names: this layer supports groups and flush, and history and presence. */
  readonly extensions = LAYER_EXTENSIONS
  /** Who is present in which group, in this process. */
  readonly presence: LayerPresence
  readonly #presence: MemoryPresence
  readonly #expiryMs: number
  readonly #groupExpiryMs: number
  readonly #capacity: number
  readonly #capacityRules: readonly CapacityRule[]
  readonly #channels = new Map<string, ChannelState>()
  readonly #groups = new GroupRegistry()
  readonly #historyRules: readonly HistoryRule[]
  readonly #histories = new MemoryHistories()
  readonly #sweeper: SweepTimer
  readonly #now: Clock
  #closed = false

  /**
   * @param options - Capacity and expiry settings; see `ChannelLayerOptions`.
   * @throws ImproperlyConfigured naming the first invalid option.
   */
  constructor(options?: InMemoryChannelLayerOptions) {
    const { clock = monotonicClock, ...common } = options ?? {}
    if (typeof clock !== 'function') {
      throw new ImproperlyConfigured(`InMemoryChannelLayer option 'clock' must be a function returning ms.`)
    }
    this.#now = clock
    const resolved = resolveLayerOptions(common, 'InMemoryChannelLayer')
    this.#expiryMs = resolved.expiry * 1000
    this.#groupExpiryMs = resolved.groupExpiry * 1000
    this.#capacity = resolved.capacity
    this.#capacityRules = resolved.channelCapacity
    this.#historyRules = resolved.history
    this.presence = this.#presence = new MemoryPresence(
      async (group, event) => this.#fanOut(group, event),
      (method) => this.#assertOpen(method),
    )
    this.#sweeper = new SweepTimer(() => this.#sweep(), Math.min(this.#expiryMs, this.#groupExpiryMs))
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.#assertOpen('send')
    requireValidChannelName(channel)
    requireMessage(message)
    const state = this.#channels.get(channel) ?? this.#createState(channel)
    const waiter = state.waiters.shift()
    if (waiter !== undefined) return waiter.deliver(message)
    const now = this.#now()
    if (state.queue.peekExpiry() <= now) this.#expire(channel, state, now)
    if (state.queue.length >= state.capacity) {
      throw channelFull(channel, state.capacity)
    }
    state.queue.push(message, now + this.#expiryMs)
  }

  receive(channel: string, options?: ReceiveOptions): Promise<LayerMessage> {
    // Not `async`: an async function returning the waiter's promise would add
    // a promise and two microtask ticks to every message a consumer receives.
    // Failures still come back as a rejected promise.
    try {
      this.#assertOpen('receive')
      // A channel with state was checked when the state was made: the name's
      // regular expression runs once per channel, not once per message.
      let state = this.#channels.get(channel)
      if (state === undefined) requireValidChannelName(channel)
      const signal = options?.signal
      requireNotAborted(channel, signal)
      state ??= this.#createState(channel)
      const queued = this.#takeQueued(channel, state)
      if (queued !== undefined) return Promise.resolve(queued)
      if (signal === undefined) return new ReceiveWaiter(state, channel, undefined).promise
      return new WatchedWaiter(state, channel, watchFor(signal)).promise
    } catch (error) {
      return rejectWith(error)
    }
  }

  /** @internal */
  [LISTEN](channel: string, listener: ChannelListener): LayerMessage | undefined {
    this.#assertOpen('receive')
    let state = this.#channels.get(channel)
    if (state === undefined) {
      requireValidChannelName(channel)
      state = this.#createState(channel)
    }
    const queued = this.#takeQueued(channel, state)
    if (queued === undefined) state.waiters.push(listener)
    return queued
  }

  async newChannel(prefix = 'specific'): Promise<string> {
    this.#assertOpen('newChannel')
    const name = `${prefix}.inmemory!${randomName()}`
    requireValidChannelName(name)
    return name
  }

  async groupAdd(group: string, channel: string, options?: GroupAddOptions): Promise<GroupJoin> {
    this.#assertOpen('groupAdd')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    const now = this.#now()
    this.#groups.add(group, channel, now)
    this.#sweeper.start()
    const rule = this.#historyRules.length === 0 ? undefined : historyFor(group, this.#historyRules)
    if (rule === undefined) return NO_HISTORY
    // Joining and reading the history happen in one turn of the event loop: no message can come between.
    const log = this.#histories.logFor(group, rule, now)
    const since = options?.since
    const missed = isStreamPosition(since) ? log.after(since) : undefined
    if (missed !== undefined && missed.length > 0) this.#putRecovered(channel, missed, now)
    return { recovered: missed !== undefined, epoch: log.epoch, offset: log.offset }
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.#assertOpen('groupDiscard')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    const members = this.#groups.members(group)
    if (members !== undefined) this.#groups.leave(group, members, channel)
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.#assertOpen('groupSend')
    requireValidGroupName(group)
    requireMessage(message)
    const rule = this.#historyRules.length === 0 ? undefined : historyFor(group, this.#historyRules)
    if (rule !== undefined) {
      message = this.#histories.append(group, rule, message, this.#now())
      this.#sweeper.start()
    }
    this.#fanOut(group, message)
  }

  /** Hands `message` to every member of `group` (a group send without the checks and the history). */
  #fanOut(group: string, message: LayerMessage): void {
    const members = this.#groups.members(group)
    if (members === undefined) return
    const now = this.#now()
    const joinedBefore = now - this.#groupExpiryMs
    const expiresAt = now + this.#expiryMs
    // Waiters are served after the walk: a listener runs its consumer's
    // handler on the spot, and a handler that joins or leaves this group
    // must not change who gets this message.
    let waiting: ChannelWaiter[] | undefined
    // Deleting the current entry while iterating a Map is safe, and visits every other entry once.
    for (const [channel, joinedAt] of members) {
      if (joinedAt <= joinedBefore) {
        this.#groups.leave(group, members, channel)
        continue
      }
      const state = this.#channels.get(channel) ?? this.#createState(channel)
      const waiter = state.waiters.shift()
      if (waiter !== undefined) {
        ;(waiting ??= []).push(waiter)
        continue
      }
      if (state.queue.length > 0) {
        // A member sitting on stale messages has stopped reading: it leaves its groups, as in Channels.
        if (state.queue.peekExpiry() <= now) {
          this.#expire(channel, state, now)
          continue
        }
        // Full members are skipped without an error: one slow consumer must not fail a broadcast.
        if (state.queue.length >= state.capacity) continue
      }
      state.queue.push(message, expiresAt)
    }
    if (waiting !== undefined) for (const waiter of waiting) waiter.deliver(message)
  }

  /**
   * The channels currently in `group`, in the order they joined: for tests
   * and introspection (it is not part of the `ChannelLayer` contract, since a
   * shared layer cannot answer it cheaply). Expired memberships are left out.
   *
   * @example
   * ```ts
   * const layer = new InMemoryChannelLayer()
   * await layer.groupAdd('chat', await layer.newChannel())
   * expect(layer.groupMembers('chat')).toHaveLength(1)
   * ```
   */
  groupMembers(group: string): string[] {
    requireValidGroupName(group)
    const members = this.#groups.members(group)
    if (members === undefined) return []
    const joinedBefore = this.#now() - this.#groupExpiryMs
    const live: string[] = []
    for (const [channel, joinedAt] of members) if (joinedAt > joinedBefore) live.push(channel)
    return live
  }

  async discardChannel(channel: string): Promise<void> {
    this.#assertOpen('discardChannel')
    requireValidChannelName(channel)
    const state = this.#channels.get(channel)
    if (state !== undefined) {
      this.#channels.delete(channel)
      state.queue.clear()
      state.cancelWaiters(`receive() on '${channel}' was cancelled: the channel was discarded.`)
    }
    this.#groups.leaveAll(channel)
    await this.#presence.dropChannel(channel)
  }

  async flush(): Promise<void> {
    this.#assertOpen('flush')
    this.#reset('the layer was flushed')
  }

  /** Flushes, stops the sweep timer, and makes every later call throw `LayerClosed`. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#reset('the layer was closed')
  }

  #assertOpen(method: string): void {
    assertOpen(this.#closed, 'InMemoryChannelLayer', method)
  }

  #createState(channel: string): ChannelState {
    const state = new ChannelState(capacityFor(channel, this.#capacityRules, this.#capacity))
    this.#channels.set(channel, state)
    this.#sweeper.start()
    return state
  }

  /** The oldest live message queued on `channel`, taken off the queue, or `undefined`. */
  #takeQueued(channel: string, state: ChannelState): LayerMessage | undefined {
    if (state.queue.length === 0) return undefined
    const now = this.#now()
    if (state.queue.peekExpiry() <= now) this.#expire(channel, state, now)
    return state.queue.length > 0 ? state.queue.shift() : undefined
  }

  /** Drops the stale head of `channel`'s queue and takes the channel out of its groups. */
  #expire(channel: string, state: ChannelState, now: number): void {
    state.queue.dropExpired(now)
    this.#groups.leaveAll(channel)
  }

  #reset(reason: string): void {
    for (const [channel, state] of this.#channels) {
      state.cancelWaiters(`receive() on '${channel}' was cancelled: ${reason}.`)
    }
    this.#channels.clear()
    this.#groups.clear()
    this.#histories.clear()
    this.#presence.clear()
    this.#sweeper.stop()
  }

  /**
   * Queues recovered messages on `channel` ahead of anything sent later,
   * past its capacity if need be (the history's size bounds them), then
   * wakes a waiting receive with the first.
   */
  #putRecovered(channel: string, messages: readonly LayerMessage[], now: number): void {
    const state = this.#channels.get(channel) ?? this.#createState(channel)
    const expiresAt = now + this.#expiryMs
    for (const message of messages) state.queue.push(message, expiresAt)
    while (state.waiters.length > 0 && state.queue.length > 0)
      state.waiters.shift()!.deliver(state.queue.shift())
  }

  /** Reclaims memory held by stale messages, idle channels and expired memberships. */
  #sweep(): void {
    const now = this.#now()
    for (const [channel, state] of this.#channels) {
      if (state.queue.peekExpiry() <= now) this.#expire(channel, state, now)
      if (state.queue.length === 0 && state.waiters.length === 0) this.#channels.delete(channel)
    }
    this.#groups.expire(now - this.#groupExpiryMs)
    this.#histories.sweep(now)
    // It restarts with the next send, receive or groupAdd.
    if (this.#channels.size === 0 && this.#groups.size === 0 && this.#histories.size === 0)
      this.#sweeper.stop()
  }
}

// The listener contract is internal: checked here rather than in `implements`,
// which the published declarations would show without the interface.
type ListensToChannels<L extends ListenableLayer> = L
type _InMemoryListens = ListensToChannels<InMemoryChannelLayer>
