/**
 * How many connections each user has open in each room, in this process:
 * a user joins a room with their first connection and leaves it with their
 * last. Both presence implementations keep these counts.
 *
 * @module
 */

/** Connections per user per room. */
export class ConnectionCounts {
  readonly #rooms = new Map<string, Map<string, number>>()

  /** Counts one more connection; `first` when it is the user's only one in the room here. */
  add(room: string, username: string): { first: boolean; users: IterableIterator<string> } {
    let users = this.#rooms.get(room)
    if (users === undefined) this.#rooms.set(room, (users = new Map<string, number>()))
    const count = users.get(username) ?? 0
    users.set(username, count + 1)
    return { first: count === 0, users: users.keys() }
  }

  /**
   * Counts one connection less: `last` when it was the user's last one in the
   * room here, `unknown` when none was counted.
   */
  remove(room: string, username: string): 'last' | 'more' | 'unknown' {
    const users = this.#rooms.get(room)
    const count = users?.get(username)
    if (users === undefined || count === undefined) return 'unknown'
    if (count > 1) {
      users.set(username, count - 1)
      return 'more'
    }
    users.delete(username)
    if (users.size === 0) this.#rooms.delete(room)
    return 'last'
  }

  /** Each room with its users that have a connection here. */
  *rooms(): IterableIterator<[room: string, users: string[]]> {
    for (const [room, users] of this.#rooms) yield [room, [...users.keys()]]
  }

  clear(): void {
    this.#rooms.clear()
  }
}
