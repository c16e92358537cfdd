/**
 * A measured channel layer: an object in front of the real one that times
 * each call, counts its outcome, and keeps this process's group memberships
 * for the status page. Every other property passes through, bound to the
 * layer itself (so its private fields work), and `instanceof` still sees the
 * layer's class.
 *
 * @module
 * @internal
 */

import type { ChannelLayer, ReceiveOptions } from '../layers/channel-layer.js'
import type { GroupAddOptions } from '../layers/history.js'
import { LISTEN } from '../layers/channel-listener.js'
import type { ChannelListener, ListenableLayer } from '../layers/channel-listener.js'
import type { LayerMessage } from '../types.js'

/** The layer calls that are timed. @internal */
export type TimedMethod =
  'send' | 'groupSend' | 'groupAdd' | 'groupDiscard' | 'discardChannel' | 'newChannel' | 'flush'

/** What one instrumented layer reports to. @internal */
export interface LayerMeasures {
  /** A timed call ended; `outcome` is `ok`, `channel_full`, `unavailable` or `error`. */
  call(method: TimedMethod, seconds: number, outcome: string): void
  /** `receive()` handed out a message. */
  received(): void
  /** This process's group memberships through this layer. */
  readonly members: GroupMembers
}

/** Group memberships made through one layer in this process. @internal */
export class GroupMembers {
  readonly #groups = new Map<string, Set<string>>()
  // A channel is nearly always in one group: a string then, a Set only beyond.
  readonly #channels = new Map<string, string | Set<string>>()

  add(group: string, channel: string): void {
    let members = this.#groups.get(group)
    if (members === undefined) this.#groups.set(group, (members = new Set()))
    members.add(channel)
    const groups = this.#channels.get(channel)
    if (groups === undefined || groups === group) this.#channels.set(channel, group)
    else if (typeof groups === 'string') this.#channels.set(channel, new Set([groups, group]))
    else groups.add(group)
  }

  remove(group: string, channel: string): void {
    const members = this.#groups.get(group)
    if (members?.delete(channel) && members.size === 0) this.#groups.delete(group)
    const groups = this.#channels.get(channel)
    if (groups === group) this.#channels.delete(channel)
    else if (typeof groups === 'object' && groups.delete(group) && groups.size === 0) {
      this.#channels.delete(channel)
    }
  }

  removeChannel(channel: string): void {
    const groups = this.#channels.get(channel)
    if (groups === undefined) return
    for (const group of typeof groups === 'string' ? [groups] : groups) {
      const members = this.#groups.get(group)
      if (members?.delete(channel) && members.size === 0) this.#groups.delete(group)
    }
    this.#channels.delete(channel)
  }

  clear(): void {
    this.#groups.clear()
    this.#channels.clear()
  }

  /** Member counts by group. */
  counts(): Map<string, number> {
    const out = new Map<string, number>()
    for (const [group, members] of this.#groups) out.set(group, members.size)
    return out
  }

  get groupCount(): number {
    return this.#groups.size
  }

  get membershipCount(): number {
    let total = 0
    for (const members of this.#groups.values()) total += members.size
    return total
  }
}

/** A consumer's listener, counting what it is handed: one small object per consumer. */
class CountedListener implements ChannelListener {
  readonly #inner: ChannelListener
  readonly #measures: LayerMeasures

  constructor(inner: ChannelListener, measures: LayerMeasures) {
    this.#inner = inner
    this.#measures = measures
  }

  deliver(message: LayerMessage): void {
    this.#measures.received()
    this.#inner.deliver(message)
  }

  cancel(error: Parameters<ChannelListener['cancel']>[0]): void {
    this.#inner.cancel(error)
  }
}

/** Wraps `layer` so that its calls report to `measures`. @internal */
export function instrumentLayer(layer: ChannelLayer, measures: LayerMeasures): ChannelLayer {
  const timed = <T>(method: TimedMethod, call: () => Promise<T>): Promise<T> => {
    const start = performance.now()
    let pending: Promise<T>
    try {
      pending = call()
    } catch (error) {
      measures.call(method, (performance.now() - start) / 1000, outcomeOf(error))
      throw error
    }
    return pending.then(
      (value) => {
        measures.call(method, (performance.now() - start) / 1000, 'ok')
        return value
      },
      (error: unknown) => {
        measures.call(method, (performance.now() - start) / 1000, outcomeOf(error))
        throw error
      },
    )
  }
  const { members } = measures
  // Only this process's own channels are shown: a groupAdd for a channel of
  // another process (a worker answering an HTTP call) would never be
  // discarded here, and the map would keep it for good.
  const ownChannels = new Set<string>()
  const own: Partial<Record<keyof ChannelLayer, unknown>> = {
    send: (channel: string, message: LayerMessage) => timed('send', () => layer.send(channel, message)),
    groupSend: (group: string, message: LayerMessage) =>
      timed('groupSend', () => layer.groupSend(group, message)),
    groupAdd: (group: string, channel: string, options?: GroupAddOptions) =>
      timed('groupAdd', () => layer.groupAdd(group, channel, options)).then((join) => {
        if (ownChannels.has(channel)) members.add(group, channel)
        return join
      }),
    groupDiscard: (group: string, channel: string) =>
      timed('groupDiscard', () => layer.groupDiscard(group, channel)).finally(() =>
        members.remove(group, channel),
      ),
    discardChannel: (channel: string) =>
      timed('discardChannel', () => layer.discardChannel(channel)).finally(() => {
        ownChannels.delete(channel)
        members.removeChannel(channel)
      }),
    newChannel: (prefix?: string) =>
      timed('newChannel', () => layer.newChannel(prefix)).then((channel) => {
        ownChannels.add(channel)
        return channel
      }),
    flush: () =>
      timed('flush', () => layer.flush()).finally(() => {
        ownChannels.clear()
        members.clear()
      }),
    receive: (channel: string, options?: ReceiveOptions) =>
      layer.receive(channel, options).then((message) => {
        measures.received()
        return message
      }),
  }
  const listenable = layer as Partial<ListenableLayer>
  if (typeof listenable[LISTEN] === 'function') {
    // Consumers on layers that offer listeners take messages this way, not through receive().
    const listen = listenable[LISTEN].bind(layer)
    ;(own as Record<PropertyKey, unknown>)[LISTEN] = (channel: string, listener: ChannelListener) => {
      const counted = ((listener as Counted)[kCounted] ??= new CountedListener(listener, measures))
      const message = listen(channel, counted)
      if (message !== undefined) measures.received()
      return message
    }
  }
  return wrapper(layer, own)
}

/**
 * An object that inherits from `layer` (so `instanceof` holds) with `own`
 * as its own properties and every other method and accessor of the layer's
 * classes bound to the layer itself, so that its private fields work. A
 * plain object rather than a Proxy: the consumers' per-message calls
 * (`[LISTEN]`) stay ordinary property reads.
 */
function wrapper(layer: ChannelLayer, own: Record<PropertyKey, unknown>): ChannelLayer {
  const out = Object.create(layer) as Record<PropertyKey, unknown>
  for (let proto = Object.getPrototypeOf(layer) as object | null; proto && proto !== Object.prototype;) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor' || Object.hasOwn(out, key)) continue
      const descriptor = Object.getOwnPropertyDescriptor(proto, key)!
      const { get } = descriptor as { get?: (this: unknown) => unknown }
      if (get !== undefined) {
        Object.defineProperty(out, key, { get: () => get.call(layer), configurable: true })
      } else if (typeof descriptor.value === 'function') {
        out[key] = (descriptor.value as (...args: unknown[]) => unknown).bind(layer)
      }
    }
    proto = Object.getPrototypeOf(proto) as object | null
  }
  Object.assign(out, own)
  return out as unknown as ChannelLayer
}

const kCounted = Symbol('tschannels.countedListener')

type Counted = ChannelListener & { [kCounted]?: CountedListener }

function outcomeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'CHANNELS_ERR_CHANNEL_FULL') return 'channel_full'
  if (code === 'CHANNELS_ERR_LAYER_UNAVAILABLE') return 'unavailable'
  return 'error'
}
