/**
 * Presence: who is in a group right now, across processes, with an event to
 * the group's members when someone joins or leaves. A layer that supports
 * it has a `presence` property; entries of a channel are removed when the
 * channel is discarded (its consumer ended), and on the Redis layers the
 * entries of a process that died disappear after `presenceTtl` seconds.
 *
 * @module
 */

import { InvalidMessageType } from '../errors.js'

/** What an application says about a present channel (a user id, a name): JSON-like values. */
export type PresenceInfo = Readonly<Record<string, unknown>>

/** One present channel of a group. */
export interface PresenceEntry {
  channel: string
  info: PresenceInfo
}

/**
 * The layer message a group's members get when a channel joins or leaves
 * its presence (handled by `presenceJoin` / `presenceLeave`).
 */
export type PresenceEvent = {
  type: 'presence.join' | 'presence.leave'
  group: string
  channel: string
  info: PresenceInfo
}

/**
 * A layer's presence.
 *
 * @example
 * ```ts
 * const layer = new InMemoryChannelLayer()
 * const channel = await layer.newChannel()
 * await layer.groupAdd('room.lobby', channel)
 * await layer.presence.join('room.lobby', channel, { user: 'ada' })
 * await layer.presence.list('room.lobby') // [{ channel, info: { user: 'ada' } }]
 * ```
 */
export interface LayerPresence {
  /**
   * Marks `channel` present in `group` with `info` (or replaces its info),
   * and sends `presence.join` to the group's members.
   */
  join(group: string, channel: string, info: PresenceInfo): Promise<void>
  /** Removes `channel` from `group`'s presence and sends `presence.leave`; a no-op when it is not present. */
  leave(group: string, channel: string): Promise<void>
  /** The channels present in `group`, in no particular order. */
  list(group: string): Promise<PresenceEntry[]>
}

/**
 * Throws `InvalidMessageType` unless `info` can be stored: a plain object.
 *
 * @internal
 */
export function requirePresenceInfo(info: unknown): asserts info is PresenceInfo {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new InvalidMessageType('Presence info must be a plain object of JSON-like values ({ user: 42 }).')
  }
}
