/**
 * What a layer keeps per channel in this process: its queue of messages and
 * its queue of waiting receives (or listeners), with the channel's capacity.
 *
 * @module
 * @internal
 */

import { ReceiveCancelled } from '../errors.js'
import type { LayerMessage } from '../types.js'
import { stackless } from '../util/stackless.js'
import { MessageQueue } from './message-queue.js'
import { WaiterList } from './waiter-list.js'
import type { Waiter } from './waiter-list.js'

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
