/**
 * Who is in a room, as one connection sees it: the library's presence
 * entries (one per connection) folded into users. A user is present while
 * at least one of their connections is, so a second tab neither announces
 * them again nor, when it closes, makes them leave.
 *
 * @module
 */

/**
 * The users of one room, from presence entries and events. Adding a channel
 * twice (the list and its join event may both name it) counts it once.
 *
 * @example
 * ```ts
 * const roster = new RoomRoster()
 * roster.add('specific.a!1', 'ada') // true: ada's first connection
 * roster.add('specific.a!2', 'ada') // false
 * roster.remove('specific.a!1') // undefined: ada is still here
 * roster.remove('specific.a!2') // 'ada': her last connection left
 * ```
 */
export class RoomRoster {
  readonly #users = new Map<string, string>()
  readonly #connections = new Map<string, number>()

  /** Adds a present channel; true when it is its user's first connection here. */
  add(channel: string, username: string): boolean {
    if (this.#users.has(channel)) return false
    this.#users.set(channel, username)
    const count = (this.#connections.get(username) ?? 0) + 1
    this.#connections.set(username, count)
    return count === 1
  }

  /** Removes a channel; returns its user when that was their last connection here. */
  remove(channel: string): string | undefined {
    const username = this.#users.get(channel)
    if (username === undefined) return undefined
    this.#users.delete(channel)
    const count = this.#connections.get(username)! - 1
    if (count > 0) {
      this.#connections.set(username, count)
      return undefined
    }
    this.#connections.delete(username)
    return username
  }

  /** The users present, sorted. */
  members(): string[] {
    return [...this.#connections.keys()].sort()
  }
}
