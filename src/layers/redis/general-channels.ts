/**
 * The named channels (`thumbnails`, not `specific.<client>!…`) a core layer
 * is receiving on: one `GeneralChannel` per name while someone waits on it,
 * forgotten once idle. Kept apart from the layer, whose own channels take
 * the other, per-process path.
 *
 * @module
 * @internal
 */

import type { LayerMessage } from '../../types.js'
import { GeneralChannel, type GeneralChannelHost } from './general-channel.js'

/** @internal */
export class GeneralChannels {
  readonly #channels = new Map<string, GeneralChannel>()
  readonly #host: Omit<GeneralChannelHost, 'idle'>
  readonly #prefix: string

  /** @param host - Readers, decoding and put-back, from the layer's queue readers. */
  constructor(host: Omit<GeneralChannelHost, 'idle'>, prefix: string) {
    this.#host = host
    this.#prefix = prefix
  }

  /** The next message of the named `channel`; its reader runs while receives wait. */
  receive(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    let general = this.#channels.get(channel)
    if (general === undefined) {
      const host = this.#host
      general = new GeneralChannel(channel, this.#prefix + channel, {
        readersFor: (key, owner) => host.readersFor(key, owner),
        decode: (entry) => host.decode(entry),
        putBack: (reader, entry) => host.putBack(reader, entry),
        idle: (idle) => {
          if (this.#channels.get(idle.name) === idle) this.#channels.delete(idle.name)
        },
      })
      this.#channels.set(channel, general)
    }
    return general.receive(signal)
  }

  /** Cancels the receives waiting on `channel`, if any. */
  async discard(channel: string): Promise<void> {
    await this.#channels
      .get(channel)
      ?.cancel(`receive() on '${channel}' was cancelled: the channel was discarded.`)
  }

  /** Stops every reader (close), so nothing is popped while connections go. */
  async stopReaders(): Promise<void> {
    await Promise.all([...this.#channels.values()].map((channel) => channel.stopReaders()))
  }

  /** Cancels every waiting receive with `reason` and forgets every channel (flush, close). */
  async cancelAll(reason: string): Promise<void> {
    const channels = [...this.#channels.values()]
    this.#channels.clear()
    await Promise.all(
      channels.map((channel) => channel.cancel(`receive() on '${channel.name}' was cancelled: ${reason}.`)),
    )
  }
}
