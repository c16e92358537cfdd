/**
 * Group membership for the in-memory layer: which channels are in a group
 * and since when, and, the other way round, which groups a channel is in,
 * so that dropping a channel from all its groups does not scan them all.
 *
 * @module
 * @internal
 */

/**
 * Groups and their members. A channel is usually in one group (a consumer
 * in its room), so its membership is kept as that group's name and becomes
 * a `Set` only at the second group: a `Set` per connection costs more than
 * the rest of the channel's state.
 *
 * @internal
 */
export class GroupRegistry {
  /** Group name → (channel → when it joined, monotonic ms). */
  readonly #groups = new Map<string, Map<string, number>>()
  /** Channel → the group it is in, or the groups when several. */
  readonly #memberships = new Map<string, string | Set<string>>()

  /** Number of non-empty groups. */
  get size(): number {
    return this.#groups.size
  }

  /** The members of `group` with their join times, or `undefined` when it has none. */
  members(group: string): Map<string, number> | undefined {
    return this.#groups.get(group)
  }

  /** Adds `channel` to `group`, or renews its membership, as of `now`. */
  add(group: string, channel: string, now: number): void {
    let members = this.#groups.get(group)
    if (members === undefined) this.#groups.set(group, (members = new Map<string, number>()))
    members.set(channel, now)
    const groups = this.#memberships.get(channel)
    if (groups === undefined) this.#memberships.set(channel, group)
    else if (typeof groups === 'string') {
      if (groups !== group) this.#memberships.set(channel, new Set([groups, group]))
    } else groups.add(group)
  }

  /** Takes `channel` out of `group`, whose member map is `members`. */
  leave(group: string, members: Map<string, number>, channel: string): void {
    if (!members.delete(channel)) return
    if (members.size === 0) this.#groups.delete(group)
    const groups = this.#memberships.get(channel)
    if (groups === group) this.#memberships.delete(channel)
    else if (typeof groups === 'object' && groups.delete(group)) {
      if (groups.size === 1) this.#memberships.set(channel, groups.values().next().value as string)
    }
  }

  /** Takes `channel` out of every group. */
  leaveAll(channel: string): void {
    const groups = this.#memberships.get(channel)
    if (groups === undefined) return
    this.#memberships.delete(channel)
    if (typeof groups === 'string') this.#drop(groups, channel)
    else for (const group of groups) this.#drop(group, channel)
  }

  /** Drops every membership that started at or before `joinedBefore`. */
  expire(joinedBefore: number): void {
    for (const [group, members] of this.#groups) {
      for (const [channel, joinedAt] of members)
        if (joinedAt <= joinedBefore) this.leave(group, members, channel)
    }
  }

  /** Forgets every group. */
  clear(): void {
    this.#groups.clear()
    this.#memberships.clear()
  }

  #drop(group: string, channel: string): void {
    const members = this.#groups.get(group)
    if (members !== undefined && members.delete(channel) && members.size === 0) this.#groups.delete(group)
  }
}
