/**
 * Feeds a consumer's dispatcher with the client's events, from the server's
 * `receive()`, until a terminal event or the consumer stops.
 *
 * @module
 * @internal
 */

import type { Message, Receive } from '../types.js'
import { finishedSync } from '../util/resolved.js'
import type { SerialDispatcher } from './serial-dispatcher.js'

const TERMINAL_EVENTS = new Set(['websocket.disconnect', 'http.disconnect'])

/**
 * The client side of a consumer's loop, written with callbacks made once
 * per connection rather than as an async function: a suspended async
 * function keeps a generator, its context and fresh promise-reaction
 * closures for every `await`, for as long as the connection is idle.
 *
 * @internal
 */
export class ClientPump {
  readonly #receive: Receive
  readonly #dispatcher: SerialDispatcher
  readonly #fromLayer: boolean
  readonly #onMessage: (message: Message) => void
  readonly #onFailure: (error: unknown) => void

  /**
   * @param fromLayer - the events are channel-layer messages (a worker's
   *   `channel` scope), not the server's
   */
  constructor(receive: Receive, dispatcher: SerialDispatcher, fromLayer = false) {
    this.#receive = receive
    this.#dispatcher = dispatcher
    this.#fromLayer = fromLayer
    this.#onMessage = (message) => this.#handle(message)
    // Through `this`, so the arrows share one small scope instead of keeping the parameters'.
    this.#onFailure = (error) => this.#dispatcher.fail(error)
  }

  /** Asks for the next event. */
  start(): void {
    let next: Promise<Message>
    try {
      next = this.#receive()
    } catch (error) {
      this.#dispatcher.fail(error)
      return
    }
    next.then(this.#onMessage, this.#onFailure)
  }

  #handle(message: Message): void {
    const dispatcher = this.#dispatcher
    if (dispatcher.stopped) return
    const ready = dispatcher.deliver(message, this.#fromLayer)
    if (TERMINAL_EVENTS.has(message.type)) return
    if (finishedSync(ready)) this.start()
    else void ready.then(() => this.start())
  }
}
