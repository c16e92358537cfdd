/**
 * Presence for a single process: counts in a `Map`.
 *
 * @module
 */

import { ConnectionCounts } from './connection-counts.js'
import type { JoinResult, Presence } from './presence.js'

/**
 * The presence of the embedded default (one process, in-memory layer).
 *
 * @example
 * ```ts
 * const presence = new MemoryPresence()
 * const { first, members } = await presence.join('lobby', 'ada')
 * ```
 */
export class MemoryPresence implements Presence {
  readonly #counts = new ConnectionCounts()

  async join(room: string, username: string): Promise<JoinResult> {
    const { first, users } = this.#counts.add(room, username)
    return { first, members: [...users].sort() }
  }

  async leave(room: string, username: string): Promise<boolean> {
    return this.#counts.remove(room, username) === 'last'
  }

  // Nothing vanishes without a leave inside one process.
  onVanished(): void {}

  async close(): Promise<void> {
    this.#counts.clear()
  }
}
