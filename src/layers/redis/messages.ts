/**
 * The check every Redis layer runs on a message before sending it, and the
 * error both throw when a channel is full.
 *
 * @module
 * @internal
 */

import { ChannelFull, InvalidMessageType } from '../../errors.js'
import type { LayerMessage } from '../../types.js'

/**
 * Throws `InvalidMessageType` unless `message` is an object with a string
 * `type`: the cheapest check that catches the usual mistakes.
 *
 * @internal
 */
export function requireMessage(message: unknown): asserts message is LayerMessage {
  if (typeof message !== 'object' || message === null || typeof (message as LayerMessage).type !== 'string') {
    throw new InvalidMessageType(
      "A channel layer message must be an object with a string 'type', such as { type: 'chat.message' }; " +
        `got ${message === null ? 'null' : typeof message === 'object' ? 'an object without one' : `a ${typeof message}`}.`,
    )
  }
}

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
