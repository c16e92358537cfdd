/**
 * The checks and errors every channel layer shares, worded once: the
 * extension names Channels asks a layer for, the `ChannelFull` of a channel
 * at capacity, the `LayerClosed` of a call made after `close()`, and the
 * `ReceiveCancelled` of a receive whose signal was aborted before it began. (The
 * message check is `requireMessage` in `layer-message.ts`; the name checks
 * are in `names.ts`.)
 *
 * @module
 * @internal
 */

import { ChannelFull, LayerClosed, ReceiveCancelled } from '../errors.js'

/** Channels' extension names: every layer here supports groups and flush. @internal */
export const LAYER_EXTENSIONS: readonly string[] = Object.freeze(['groups', 'flush'])

/**
 * The `ChannelFull` for `channel`, whose capacity is `capacity`.
 *
 * @internal
 */
export function channelFull(channel: string, capacity: number): ChannelFull {
  return new ChannelFull(
    `Channel '${channel}' is full: it already holds ${capacity} messages, its capacity. ` +
      'The message was not queued; retry later, make its consumer keep up, or raise `capacity` ' +
      '(or add a `channelCapacity` pattern for this channel).',
  )
}

/**
 * Throws `LayerClosed` when `closed`: `layer.method()` was called after
 * `close()`.
 *
 * @internal
 */
export function assertOpen(closed: boolean, layer: string, method: string): void {
  if (closed) {
    throw new LayerClosed(
      `${layer}.${method}() was called after close(). Create a new layer, ` +
        'or, if it came from getChannelLayer(), fetch it again after resetChannelLayers().',
    )
  }
}

/**
 * Throws `ReceiveCancelled` when a `receive()` on `channel` was given a
 * signal that is already aborted.
 *
 * @internal
 */
export function requireNotAborted(channel: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new ReceiveCancelled(`receive() on '${channel}' was cancelled: its signal was already aborted.`, {
      cause: signal.reason,
    })
  }
}
