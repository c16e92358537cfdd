/**
 * The in-process shortcut a consumer takes instead of a `receive()` loop
 * when its layer offers one: the consumer stands in the channel's queue of
 * waiters for good, and gets each message by a plain call.
 *
 * A loop of `receive()` calls costs, per message, a promise, a waiter, an
 * abort-signal entry and an `await` resumption, and per idle connection a
 * suspended async function with its promise reactions. A listener costs
 * neither: with a hundred members in a room, that is most of what
 * delivering one broadcast cost beyond writing to the sockets.
 *
 * @module
 * @internal
 */

import type { ReceiveCancelled } from '../errors.js'
import type { LayerMessage } from '../types.js'
import type { Waiter } from './channel-state.js'

/** The key of a layer's listen method. @internal */
export const LISTEN: unique symbol = Symbol('tschannels.listen')

/** The key of a layer's optional check that it can listen on one channel. @internal */
export const LISTENS_TO: unique symbol = Symbol('tschannels.listensTo')

/**
 * Takes the channel's messages one at a time. `deliver` is called with the
 * listener already out of the queue of waiters: it asks for the next
 * message by calling `[LISTEN]` again, once it can take one.
 *
 * `cancel` means the channel was discarded, or the layer flushed or closed:
 * no further message will come.
 *
 * @internal
 */
export type ChannelListener = Waiter<LayerMessage, ReceiveCancelled>

/** A layer that can hand messages to listeners. @internal */
export interface ListenableLayer {
  /**
   * Returns the next queued message of `channel` if there is one (the
   * listener stays out of the queue of waiters), or parks `listener` in it
   * and returns `undefined`. Throws as `receive()` would.
   */
  [LISTEN](channel: string, listener: ChannelListener): LayerMessage | undefined
  /**
   * Whether `channel` can be listened on; absent means every channel can.
   * A layer whose named channels are shared between processes, read only
   * while a `receive()` waits, answers no for those.
   */
  [LISTENS_TO]?(channel: string): boolean
}

/** Whether `layer` offers a listener on `channel`. @internal */
export function isListenable(layer: object, channel: string): layer is ListenableLayer {
  const listenable = layer as Partial<ListenableLayer>
  if (typeof listenable[LISTEN] !== 'function') return false
  return listenable[LISTENS_TO]?.(channel) ?? true
}
