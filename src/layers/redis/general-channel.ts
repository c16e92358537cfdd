/**
 * A named channel (no `!`), such as a worker's `thumbnails`, as the core
 * layer receives it: its messages stay in Redis until a `receive()` here
 * asks for one, so several worker processes share the queue and each
 * message goes to exactly one of them.
 *
 * While receives are waiting, one reader per shard pops at most as many
 * messages as there are waiting receives (reading every shard accepts the
 * messages `channels_redis` spreads over its hosts round-robin). A message
 * that arrives after its receive was given up is put back with its original
 * score, so it keeps its place at the head of the queue.
 *
 * @module
 * @internal
 */

import type { LayerMessage } from '../../types.js'
import { ChannelState, ReceiveWaiter } from '../channel-state.js'
import type { PoppedEntry, QueueReader, QueueReaderOwner } from './queue-reader.js'

/** What a named channel needs from its layer. @internal */
export interface GeneralChannelHost {
  /** One reader per shard for `key`, owned by `owner`. */
  readersFor(key: string, owner: QueueReaderOwner): QueueReader[]
  /** The message in a popped entry, or `undefined` when it is expired or unreadable. */
  decode(entry: PoppedEntry): LayerMessage | undefined
  /** Returns an entry nobody took to the head of its queue. */
  putBack(reader: QueueReader, entry: PoppedEntry): void
  /** Called when the channel has no waiting receive and no running reader: the layer may forget it. */
  idle(channel: GeneralChannel): void
}

/**
 * Waiting receives of one named channel and the readers that serve them.
 *
 * @internal
 */
export class GeneralChannel implements QueueReaderOwner {
  readonly name: string
  readonly #state = new ChannelState(Infinity)
  readonly #readers: QueueReader[]
  readonly #host: GeneralChannelHost

  constructor(name: string, key: string, host: GeneralChannelHost) {
    this.name = name
    this.#host = host
    this.#readers = host.readersFor(key, this)
  }

  /** Waits for the next message of this channel. */
  receive(signal: AbortSignal | undefined): Promise<LayerMessage> {
    const waiter = new ReceiveWaiter(this.#state, this.name, signal)
    for (const reader of this.#readers) reader.start()
    if (signal !== undefined) {
      // When the last waiting receive gives up, wake the readers so they stop taking messages.
      const onAbort = (): void => void this.#stopIfIdle()
      signal.addEventListener('abort', onAbort, { once: true })
      const forget = (): void => signal.removeEventListener('abort', onAbort)
      waiter.promise.then(forget, forget)
    }
    return waiter.promise
  }

  wanted(): number {
    return this.#state.waiters.length
  }

  take(entries: readonly PoppedEntry[], reader: QueueReader): void {
    for (const entry of entries) {
      const message = this.#host.decode(entry)
      if (message === undefined) continue
      const waiter = this.#state.waiters.shift()
      if (waiter === undefined) this.#host.putBack(reader, entry)
      else waiter.deliver(message)
    }
  }

  /** Cancels every waiting receive with a `ReceiveCancelled` saying `message`, and stops the readers. */
  async cancel(message: string): Promise<void> {
    this.#state.cancelWaiters(message)
    await this.#stopIfIdle()
  }

  /** Stops the readers without cancelling the waiting receives (the layer is closing). */
  async stopReaders(): Promise<void> {
    await Promise.all(this.#readers.map((reader) => reader.stop()))
  }

  async #stopIfIdle(): Promise<void> {
    if (this.#state.waiters.length > 0) return
    await Promise.all(this.#readers.map((reader) => reader.stop()))
    if (this.#state.waiters.length === 0 && this.#readers.every((reader) => !reader.running))
      this.#host.idle(this)
  }
}
