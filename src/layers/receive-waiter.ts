/**
 * One pending `receive()` on a channel.
 *
 * The waiter is its own abort listener (`handleEvent`), so a `receive()` with
 * a signal costs no closure beyond the promise's executor.
 *
 * @module
 * @internal
 */

import { ReceiveCancelled } from '../errors.js'
import type { LayerMessage } from '../types.js'
import type { ChannelState } from './channel-state.js'
import type { ChannelWaiter } from './channel-state.js'

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
