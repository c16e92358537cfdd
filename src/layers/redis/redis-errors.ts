/**
 * Telling a failed connection from an error Redis answered with, and turning
 * the former into `LayerUnavailable`.
 *
 * @module
 * @internal
 */

import { ChannelsError, LayerUnavailable } from '../../errors.js'
import type { RedisShard } from './connection.js'

/**
 * Whether `error` means Redis could not be reached (as opposed to a reply
 * error such as a script failure, which is a bug to surface).
 *
 * @internal
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof LayerUnavailable) return true
  if (error instanceof ChannelsError) return false
  return error instanceof Error && error.name !== 'ReplyError'
}

/**
 * Rethrows `error`, as `LayerUnavailable` when it is a connection failure.
 *
 * @internal
 */
export function rethrow(error: unknown, shard: RedisShard): never {
  if (error instanceof LayerUnavailable || !isConnectionError(error)) throw error
  const unavailable = shard.unavailable()
  throw new LayerUnavailable(unavailable.message, { cause: error })
}
