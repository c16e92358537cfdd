/**
 * The checks every channel layer makes on what it is given, worded once:
 * channel and group names, the message, the state of the layer, capacity,
 * and cancellation.
 *
 * The naming rules are shared by every layer so that a name valid here is
 * valid for `channels_redis` and for Channels itself. Validation runs on
 * every `send`, `receive` and `groupSend`, so the checks are one `typeof`,
 * one length compare and one precompiled regex; building an error message
 * only happens on the failure path.
 *
 * @module
 * @internal
 */

import {
  ChannelFull,
  InvalidChannelName,
  InvalidGroupName,
  InvalidMessageType,
  LayerClosed,
  ReceiveCancelled,
} from '../errors.js'
import type { LayerMessage } from '../types.js'

/** Names must be strictly shorter than this, as in Channels (`MAX_NAME_LENGTH`). */
export const MAX_NAME_LENGTH = 100

// The local part may be empty: `channels_redis` receives on `prefix!` to take
// every process-local channel of one client at once.
const CHANNEL_NAME = /^[A-Za-z0-9_.-]+(?:![A-Za-z0-9_.-]*)?$/
const GROUP_NAME = /^[A-Za-z0-9_.-]+$/

/** How much of a bad name an error message shows. */
const SHOWN_CHARACTERS = 40

const CHANNEL_RULE =
  `A channel name must be a string of 1 to ${MAX_NAME_LENGTH - 1} characters: ASCII letters, digits, ` +
  `hyphens, underscores or periods, optionally followed by '!' and a process-local part made of the same characters`
const GROUP_RULE =
  `A group name must be a string of 1 to ${MAX_NAME_LENGTH - 1} characters: ASCII letters, digits, ` +
  `hyphens, underscores or periods`

/**
 * Whether `name` is a valid channel name: ASCII letters, digits, `-`, `_`,
 * `.`, fewer than 100 characters, optionally followed by `!` and a
 * process-local part of the same characters.
 */
export function isValidChannelName(name: unknown): name is string {
  return typeof name === 'string' && name.length < MAX_NAME_LENGTH && CHANNEL_NAME.test(name)
}

/** Whether `name` is a valid group name: the channel rule without the `!` part. */
export function isValidGroupName(name: unknown): name is string {
  return typeof name === 'string' && name.length < MAX_NAME_LENGTH && GROUP_NAME.test(name)
}

/**
 * Throws `InvalidChannelName` unless `name` is a valid channel name. The
 * message states the rule and shows (the start of) the offending value.
 */
export function requireValidChannelName(name: unknown): asserts name is string {
  if (!isValidChannelName(name)) throw new InvalidChannelName(`${CHANNEL_RULE}; got ${describeName(name)}.`)
}

/** Throws `InvalidGroupName` unless `name` is a valid group name. */
export function requireValidGroupName(name: unknown): asserts name is string {
  if (!isValidGroupName(name)) throw new InvalidGroupName(`${GROUP_RULE}; got ${describeName(name)}.`)
}

/**
 * Throws `InvalidMessageType` unless `message` is an object with a string
 * `type`: the cheapest check that catches the usual mistakes (a string, a
 * missing `type`).
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
 * The part of a channel name that routes it: up to and including the `!` of
 * a process-local name (`specific.abc!def` → `specific.abc!`), else the whole
 * name. Layers that share one queue per process use it as the queue key.
 */
export function nonLocalName(name: string): string {
  const bang = name.indexOf('!')
  return bang === -1 ? name : name.slice(0, bang + 1)
}

/** Whether `name` is a process-local channel name (contains `!`). */
export function isProcessLocalName(name: string): boolean {
  return name.includes('!')
}

/** Channels' extension names (every layer here supports groups and flush), and history and presence. @internal */
export const LAYER_EXTENSIONS: readonly string[] = Object.freeze(['groups', 'flush', 'history', 'presence'])

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

/** A short, printable description of a rejected name for an error message. */
function describeName(name: unknown): string {
  if (typeof name !== 'string') return name === null ? 'null' : `a value of type ${typeof name}`
  if (name.length === 0) return 'an empty string'
  // JSON quoting makes control characters and non-ASCII visible in logs.
  const shown = name.length > SHOWN_CHARACTERS ? `${name.slice(0, SHOWN_CHARACTERS)}…` : name
  return `${JSON.stringify(shown)} (${name.length} characters)`
}
