/**
 * Who is in the room, from `presence` events: `members` is the full list on
 * join (and replaces whatever we had, which is what makes a reconnect
 * correct), `joined` and `left` are deltas after that.
 *
 * @module
 */

import type { Presence } from './types.js'

export class Members {
  #names = new Set<string>()

  /** Applies one presence event; returns true if the list changed. */
  apply(presence: Presence): boolean {
    if (Array.isArray(presence.members)) {
      this.#names = new Set(presence.members.filter((name) => typeof name === 'string'))
      return true
    }
    if (typeof presence.joined === 'string' && !this.#names.has(presence.joined)) {
      this.#names.add(presence.joined)
      return true
    }
    if (typeof presence.left === 'string') return this.#names.delete(presence.left)
    return false
  }

  clear(): void {
    this.#names.clear()
  }

  /** Sorted the way the server sorts `members`. */
  get list(): string[] {
    return [...this.#names].sort()
  }
}
