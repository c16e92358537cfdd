/**
 * Presence in the in-memory layer: who is present in which group, in this
 * process, and the join/leave events it sends through the layer.
 *
 * @module
 * @internal
 */

import { requireValidChannelName, requireValidGroupName } from './layer-checks.js'
import type { LayerPresence, PresenceEntry, PresenceEvent, PresenceInfo } from './presence.js'
import { requirePresenceInfo } from './presence.js'

/**
 * The presence of one in-memory layer.
 *
 * @internal
 */
export class MemoryPresence implements LayerPresence {
  /** Group → channel → info. */
  readonly #groups = new Map<string, Map<string, PresenceInfo>>()
  /** Channel → the groups it is present in, to drop a discarded channel everywhere. */
  readonly #channels = new Map<string, Set<string>>()
  readonly #announce: (group: string, event: PresenceEvent) => Promise<void>
  readonly #assertOpen: (method: string) => void

  /**
   * @param announce - Sends a presence event to a group's members (without history).
   * @param assertOpen - Throws once the layer is closed.
   */
  constructor(
    announce: (group: string, event: PresenceEvent) => Promise<void>,
    assertOpen: (method: string) => void,
  ) {
    this.#announce = announce
    this.#assertOpen = assertOpen
  }

  async join(group: string, channel: string, info: PresenceInfo): Promise<void> {
    this.#assertOpen('presence.join')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    requirePresenceInfo(info)
    let entries = this.#groups.get(group)
    if (entries === undefined) this.#groups.set(group, (entries = new Map<string, PresenceInfo>()))
    entries.set(channel, info)
    let groups = this.#channels.get(channel)
    if (groups === undefined) this.#channels.set(channel, (groups = new Set<string>()))
    groups.add(group)
    await this.#announce(group, { type: 'presence.join', group, channel, info })
  }

  async leave(group: string, channel: string): Promise<void> {
    this.#assertOpen('presence.leave')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    await this.#remove(group, channel)
  }

  async list(group: string): Promise<PresenceEntry[]> {
    this.#assertOpen('presence.list')
    requireValidGroupName(group)
    const entries = this.#groups.get(group)
    if (entries === undefined) return []
    return [...entries].map(([channel, info]) => ({ channel, info }))
  }

  /** Takes a discarded channel out of every group's presence, telling the groups. */
  async dropChannel(channel: string): Promise<void> {
    const groups = this.#channels.get(channel)
    if (groups === undefined) return
    await Promise.all([...groups].map((group) => this.#remove(group, channel)))
  }

  /** Forgets everything (flush, close). */
  clear(): void {
    this.#groups.clear()
    this.#channels.clear()
  }

  async #remove(group: string, channel: string): Promise<void> {
    const entries = this.#groups.get(group)
    const info = entries?.get(channel)
    if (entries === undefined || info === undefined) return
    entries.delete(channel)
    if (entries.size === 0) this.#groups.delete(group)
    const groups = this.#channels.get(channel)
    groups?.delete(group)
    if (groups?.size === 0) this.#channels.delete(channel)
    await this.#announce(group, { type: 'presence.leave', group, channel, info })
  }
}
