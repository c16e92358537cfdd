/**
 * The warnings of the Redis layers, worded once, and throttled so that a
 * failure that hits every message (a missing key, a consumer that stopped
 * reading) produces a line every few seconds with a count, never one line
 * per message. Codes are listed in `docs/errors.md`.
 *
 * @module
 * @internal
 */

import { warn } from '../../util/warnings.js'

/** At most one warning of a kind per this many ms; the next one reports the count in between. */
const THROTTLE_MS = 10_000

/**
 * Emits one layer's warnings.
 *
 * @internal
 */
export class LayerWarnings {
  readonly #layer: string
  #dropped = 0
  #droppedAt = -Infinity
  #undecodable = 0
  #undecodableAt = -Infinity

  constructor(layer: string) {
    this.#layer = layer
  }

  /** A shard went down (the shard reports once per outage). */
  outage(host: string, reason: string): void {
    warn(
      'CHANNELS_WRN_040',
      `${this.#layer} lost Redis at ${host} (${reason}). It keeps serving the channels of this process, ` +
        'reconnects with backoff, and sends to other processes fail with LayerUnavailable until then.',
    )
  }

  /** A shard came back and the layer restored its state. */
  restored(host: string, downtimeMs: number, memberships: number, channels: number): void {
    warn(
      'CHANNELS_WRN_041',
      `${this.#layer} reconnected to Redis at ${host} after ${(downtimeMs / 1000).toFixed(1)} s; ` +
        `re-registered ${memberships} group memberships and notified ${channels} local channels.`,
    )
  }

  /** `count` deliveries were skipped because their channel was full. */
  dropped(count: number, where: string): void {
    this.#dropped += count
    const now = performance.now()
    if (now - this.#droppedAt < THROTTLE_MS) return
    warn(
      'CHANNELS_WRN_042',
      `${this.#layer} skipped ${this.#dropped} message deliveries to channels at capacity (latest: ${where}). ` +
        'Make the consumers keep up, or raise capacity/channelCapacity.',
    )
    this.#dropped = 0
    this.#droppedAt = now
  }

  /** A message could not be decoded and was dropped. */
  undecodable(key: string): void {
    this.#undecodable++
    const now = performance.now()
    if (now - this.#undecodableAt < THROTTLE_MS) return
    warn(
      'CHANNELS_WRN_043',
      `${this.#layer} dropped ${this.#undecodable} messages it could not decode (latest on ${key}): ` +
        'check that every process uses the same symmetricEncryptionKeys and randomPrefixLength.',
    )
    this.#undecodable = 0
    this.#undecodableAt = now
  }
}
