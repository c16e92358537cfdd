/**
 * The contract every channel layer keeps: point-to-point channels, groups,
 * capacity and expiry. The in-memory and Redis layers implement it and run
 * one conformance suite (`test/layers/layer-suite.ts`).
 *
 * @module
 */

import type { LayerMessage } from '../types.js'
import type { GroupAddOptions, GroupHistoryConfig, GroupJoin } from './history.js'
import type { LayerPresence } from './presence.js'

/**
 * Per-channel capacity overrides. Either an object of glob patterns
 * (`{ 'http.response!*': 10 }`, `*` and `?` wildcards, as `channels_redis`
 * reads them) or a list of `[pattern, capacity]` pairs where a pattern may
 * also be a `RegExp`. The first pattern that matches wins.
 */
export type ChannelCapacity = Record<string, number> | ReadonlyArray<readonly [string | RegExp, number]>

/** Options every layer understands. */
export interface ChannelLayerOptions {
  /** Seconds a message may wait in a channel before it is dropped. @default 60 */
  expiry?: number
  /** Seconds a group membership lasts unless renewed by another `groupAdd`. @default 86400 */
  groupExpiry?: number
  /** Messages a channel may hold before `send()` throws `ChannelFull`. @default 100 */
  capacity?: number
  /** Capacity overrides for channels whose names match a pattern. @default {} */
  channelCapacity?: ChannelCapacity
  /**
   * Groups that keep their recent messages, so that a member can rejoin with
   * `groupAdd(group, channel, { since })` and get what it missed; their
   * messages carry `__position`. Groups that match no pattern keep none
   * (at-most-once delivery, as in Channels). @default {}
   */
  history?: GroupHistoryConfig
  /**
   * Seconds a presence entry of a process that stopped renewing it (it died)
   * stays listed; a live process renews its entries three times per period.
   * @default 30
   */
  presenceTtl?: number
}

/** Options of one `receive()` call. */
export interface ReceiveOptions {
  /** Aborting it ends the wait with `ReceiveCancelled`; a message already taken is not lost. */
  signal?: AbortSignal
}

/**
 * A channel layer: how consumers, processes and workers talk to each other.
 *
 * `Out` types what `send()` and `groupSend()` accept. A typed consumer's
 * `this.channelLayer` is `ChannelLayer<MessageOf<ItsMessages>>`, so an
 * unknown `type` or a wrong field is a compile error; untyped, a layer takes
 * any `LayerMessage`, and either view may be assigned to the other. What
 * `receive()` returns stays a `LayerMessage`: it may come from any process.
 *
 * @example
 * ```ts
 * const layer = getChannelLayer()!
 * const name = await layer.newChannel()
 * await layer.groupAdd('chat', name)
 * await layer.groupSend('chat', { type: 'chat.message', text: 'hi' })
 * console.log(await layer.receive(name)) // { type: 'chat.message', text: 'hi' }
 * ```
 */
export interface ChannelLayer<Out extends { type: string } = LayerMessage> {
  /** Optional features this layer has, as Channels names them (`groups`, `flush`), and `history`, `presence`. */
  readonly extensions: readonly string[]
  /** Who is present in which group, when the layer supports it (`extensions` includes `presence`). */
  readonly presence?: LayerPresence
  /**
   * Queues `message` on `channel`; throws `ChannelFull` when it is at capacity.
   * Treat a message as immutable once sent: the in-memory layer delivers the
   * object itself, other layers a decoded copy. Values should be JSON-like or
   * `Uint8Array` so that every layer can carry them.
   */
  send(channel: string, message: Out): Promise<void>
  /**
   * Waits for the next message on `channel`, oldest first. Rejects with
   * `ReceiveCancelled` when `options.signal` aborts, the channel is discarded
   * or the layer is flushed or closed; a message already handed to this call
   * is delivered, never lost.
   */
  receive(channel: string, options?: ReceiveOptions): Promise<LayerMessage>
  /** A fresh, unique, process-local channel name: `prefix.<layer>!<random>`; `prefix` defaults to `specific`. */
  newChannel(prefix?: string): Promise<string>
  /**
   * Adds `channel` to `group` (or renews its membership). For a group with
   * history, `options.since` puts the messages missed since that position
   * on the channel, in order, before any live message and with no gap or
   * duplicate between the two; the result says whether that happened and
   * where the group stands now.
   */
  groupAdd(group: string, channel: string, options?: GroupAddOptions): Promise<GroupJoin>
  /** Removes `channel` from `group`; a no-op when it is not a member. */
  groupDiscard(group: string, channel: string): Promise<void>
  /** Sends `message` to every member of `group`; members at capacity are skipped. */
  groupSend(group: string, message: Out): Promise<void>
  /**
   * Disposes of a channel whose consumer has ended: drops its queued
   * messages, cancels pending receives and removes it from every group this
   * layer added it to, so nothing leaks.
   */
  discardChannel(channel: string): Promise<void>
  /** Deletes every channel and group this layer knows (tests, resets). */
  flush(): Promise<void>
  /**
   * Releases connections and timers and cancels pending receives; later calls
   * throw `LayerClosed`. Calling it again does nothing.
   */
  close(): Promise<void>
}
