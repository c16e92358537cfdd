/**
 * The history of one group in the in-memory layer: a ring of its last
 * `size` messages with their offsets, its epoch, and when it last changed,
 * so that a silent group's history expires after its `ttl`.
 *
 * @module
 * @internal
 */

import type { LayerMessage } from '../types.js'
import { newEpoch, type StreamPosition } from './history.js'

/**
 * One group's recent messages.
 *
 * @internal
 */
export class HistoryLog {
  epoch = newEpoch()
  /** The offset of the last message (0: none yet in this epoch). */
  offset = 0
  /** When the last message was appended (or the log was made), on the layer's clock. */
  touchedAt: number
  readonly #size: number
  readonly #ring: Array<LayerMessage | undefined>
  /** Messages held: min(offset, size). */
  #held = 0

  constructor(size: number, now: number) {
    this.#size = size
    this.#ring = new Array<LayerMessage | undefined>(Math.min(size, 1024))
    this.touchedAt = now
  }

  /** Appends `message` (built for its offset by `make`); returns it. */
  append(make: (offset: number) => LayerMessage, now: number): LayerMessage {
    const offset = ++this.offset
    const message = make(offset)
    const slot = (offset - 1) % this.#size
    if (slot >= this.#ring.length) this.#ring.length = Math.min(this.#size, this.#ring.length * 2)
    this.#ring[slot] = message
    if (this.#held < this.#size) this.#held++
    this.touchedAt = now
    return message
  }

  /**
   * The messages after `since`, oldest first, or `undefined` when they
   * cannot all be given: another epoch, an offset ahead of the log, or
   * messages already dropped.
   */
  after(since: StreamPosition): LayerMessage[] | undefined {
    if (since.epoch !== this.epoch || since.offset > this.offset) return undefined
    const first = this.offset - this.#held + 1
    if (since.offset + 1 < first) return undefined
    const messages: LayerMessage[] = []
    for (let offset = since.offset + 1; offset <= this.offset; offset++) {
      messages.push(this.#ring[(offset - 1) % this.#size]!)
    }
    return messages
  }
}
