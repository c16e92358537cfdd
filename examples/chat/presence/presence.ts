/**
 * Who is in which room. A user counts as present while at least one of
 * their connections is open in the room, in any process.
 *
 * @module
 */

/** The outcome of a join. */
export interface JoinResult {
  /** This is the user's first connection in the room: tell the others (`joined`). */
  first: boolean
  /** Everyone in the room, this user included, sorted. */
  members: string[]
}

/**
 * Counts connections per room and user. `join` and `leave` must be called
 * once per connection; the answers are atomic with respect to every other
 * connection, in this process and (for the Redis implementation) in others.
 */
export interface Presence {
  join(room: string, username: string): Promise<JoinResult>
  /** Returns true when this was the user's last connection in the room: tell everyone (`left`). */
  leave(room: string, username: string): Promise<boolean>
  /**
   * Called with users whose every connection vanished without a `leave`
   * (their process died), so the rooms they were in can be told.
   */
  onVanished(listener: (room: string, username: string) => void): void
  close(): Promise<void>
}
