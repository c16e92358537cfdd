/**
 * Feeds a consumer's dispatcher with the messages of its channel until the
 * consumer stops: as a listener on layers that offer one (the in-memory
 * and the Redis layers, for a consumer's own channel), otherwise with a loop
 * of `receive()` calls.
 *
 * @module
 * @internal
 */

import { ReceiveCancelled } from '../errors.js'
import type { ChannelLayer } from '../layers/channel-layer.js'
import { LISTEN, isListenable } from '../layers/channel-listener.js'
import type { ChannelListener, ListenableLayer } from '../layers/channel-listener.js'
import type { LayerMessage, Message } from '../types.js'
import { finishedSync } from '../util/resolved.js'
import type { SerialDispatcher } from './serial-dispatcher.js'

/** A running feed from a channel. @internal */
export interface ChannelPump {
  /** Stops taking messages; the consumer calls it when it ends, before discarding the channel. */
  stop(): void
}

/** Starts feeding `dispatcher` from `channel`. @internal */
export function pumpChannel(layer: ChannelLayer, channel: string, dispatcher: SerialDispatcher): ChannelPump {
  if (isListenable(layer, channel)) {
    const listener = new LayerListener(layer, channel, dispatcher)
    listener.start()
    return listener
  }
  const controller = new AbortController()
  void receiveLoop(layer, channel, dispatcher, controller.signal)
  return { stop: () => controller.abort() }
}

/** A consumer standing in its channel's queue of waiters. */
class LayerListener implements ChannelListener, ChannelPump {
  readonly #layer: ListenableLayer
  readonly #channel: string
  readonly #dispatcher: SerialDispatcher
  #stopped = false

  constructor(layer: ListenableLayer, channel: string, dispatcher: SerialDispatcher) {
    this.#layer = layer
    this.#channel = channel
    this.#dispatcher = dispatcher
  }

  /** Takes what is queued, then waits in the channel for more. */
  start(): void {
    for (;;) {
      if (this.#stopped) return
      let message: LayerMessage | undefined
      try {
        message = this.#layer[LISTEN](this.#channel, this)
      } catch (error) {
        this.#stopped = true
        if (!(error instanceof ReceiveCancelled)) this.#dispatcher.fail(error)
        return
      }
      if (message === undefined || !this.#handle(message)) return
    }
  }

  stop(): void {
    this.#stopped = true
  }

  deliver(message: LayerMessage): void {
    if (this.#handle(message)) this.start()
  }

  cancel(_error: ReceiveCancelled): void {
    // The channel was discarded or the layer flushed or closed: nothing more will come.
    this.#stopped = true
  }

  /** Hands `message` on; true when the next one may follow at once. */
  #handle(message: Message): boolean {
    const dispatcher = this.#dispatcher
    if (this.#stopped || dispatcher.stopped) {
      this.#stopped = true
      return false
    }
    const ready = dispatcher.deliver(message, true)
    if (finishedSync(ready)) return true
    void ready.then(() => this.start())
    return false
  }
}

/** For layers without listeners: one `receive()` after another. */
async function receiveLoop(
  layer: ChannelLayer,
  channel: string,
  dispatcher: SerialDispatcher,
  stop: AbortSignal,
): Promise<void> {
  for (;;) {
    let message: Message
    try {
      message = await layer.receive(channel, { signal: stop })
    } catch (error) {
      if (!stop.aborted && !(error instanceof ReceiveCancelled)) dispatcher.fail(error)
      return
    }
    if (dispatcher.stopped) return
    await dispatcher.deliver(message, true)
  }
}
