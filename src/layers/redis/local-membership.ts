/**
 * The group memberships of this process's live channels, kept beside Redis.
 *
 * The core layer keeps them so it can put them back after Redis restarts
 * without persistence (a restarted Redis has forgotten every group; Python's
 * `channels_redis` never restores them) and so a `groupSend` during an
 * outage still reaches the members in this process. For the pub/sub layer
 * this is the only record of membership: Redis just fans a group's messages
 * out to the processes subscribed to it.
 *
 * @module
 * @internal
 */

/** The local members of one group. */
interface GroupMembers {
  /** Channel → joined at (epoch ms). */
  readonly joined: Map<string, number>
  /** The member list handed out by `members()`, rebuilt only after a change. */
  list: string[] | undefined
  /** No membership joined before this (a lower bound), so most calls skip the expiry scan. */
  oldest: number
}

/**
 * Memberships by channel and by group, each stamped with when it was added
 * (epoch ms), so `groupExpiry` applies to them as it does in Redis.
 *
 * @internal
 */
export class LocalMembership {
  /** Channel → (group → joined at). */
  readonly #byChannel = new Map<string, Map<string, number>>()
  readonly #byGroup = new Map<string, GroupMembers>()

  /** Number of (group, channel) pairs. */
  get size(): number {
    let size = 0
    for (const groups of this.#byChannel.values()) size += groups.size
    return size
  }

  /** Groups with at least one local member. */
  get groupCount(): number {
    return this.#byGroup.size
  }

  /** Records (or renews) a membership. @returns whether the group had no local member before. */
  add(group: string, channel: string, joinedAt: number): boolean {
    let groups = this.#byChannel.get(channel)
    if (groups === undefined) this.#byChannel.set(channel, (groups = new Map<string, number>()))
    groups.set(group, joinedAt)
    let members = this.#byGroup.get(group)
    const first = members === undefined
    if (members === undefined) {
      members = { joined: new Map<string, number>(), list: undefined, oldest: joinedAt }
      this.#byGroup.set(group, members)
    }
    if (!members.joined.has(channel)) members.list = undefined
    members.joined.set(channel, joinedAt)
    members.oldest = Math.min(members.oldest, joinedAt)
    return first
  }

  /** Forgets a membership. @returns whether the group now has no local member left. */
  remove(group: string, channel: string): boolean {
    const groups = this.#byChannel.get(channel)
    if (groups === undefined || !groups.delete(group)) return false
    if (groups.size === 0) this.#byChannel.delete(channel)
    const members = this.#byGroup.get(group)
    if (members === undefined) return false
    members.joined.delete(channel)
    members.list = undefined
    if (members.joined.size > 0) return false
    this.#byGroup.delete(group)
    return true
  }

  /** Forgets every membership of `channel`. @returns the groups it was in. */
  removeChannel(channel: string): string[] {
    const groups = this.#byChannel.get(channel)
    if (groups === undefined) return []
    const names = [...groups.keys()]
    for (const group of names) this.remove(group, channel)
    return names
  }

  /** Whether `group` has a local member. */
  hasGroup(group: string): boolean {
    return this.#byGroup.has(group)
  }

  /**
   * The local members of `group` that joined after `joinedAfter` (epoch
   * ms); older memberships have expired and are forgotten here. The list is
   * shared between calls (a group send to a thousand members must not copy
   * a thousand names): read it, do not keep or change it.
   */
  members(group: string, joinedAfter: number): readonly string[] {
    const members = this.#byGroup.get(group)
    if (members === undefined) return []
    if (members.oldest <= joinedAfter) {
      let oldest = Infinity
      for (const [channel, joinedAt] of members.joined) {
        if (joinedAt <= joinedAfter) this.remove(group, channel)
        else oldest = Math.min(oldest, joinedAt)
      }
      members.oldest = oldest
    }
    members.list ??= [...members.joined.keys()]
    return members.list
  }

  /** Every membership as `[group, channel, joinedAt]`. */
  *entries(): IterableIterator<[group: string, channel: string, joinedAt: number]> {
    for (const [channel, groups] of this.#byChannel) {
      for (const [group, joinedAt] of groups) yield [group, channel, joinedAt]
    }
  }

  /** Groups with at least one local member. */
  groups(): IterableIterator<string> {
    return this.#byGroup.keys()
  }

  clear(): void {
    this.#byChannel.clear()
    this.#byGroup.clear()
  }
}
