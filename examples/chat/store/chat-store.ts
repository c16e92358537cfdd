/**
 * What the chat keeps in its database: users, sessions, refresh-token
 * records and the messages of every room. SQLite and PostgreSQL implement it.
 *
 * @module
 */

import type { SessionStore, UserStore } from 'tschannels'
import type { RefreshTokenStore } from 'tschannels/jwt'

/** A stored message, as the history returns it. */
export interface StoredMessage {
  id: number
  username: string
  text: string
  /** Epoch seconds, with milliseconds. */
  time: number
}

/** The chat's database. */
export interface ChatStore {
  readonly users: UserStore
  readonly sessions: SessionStore
  /** Spent refresh tokens and revoked families, shared by every process using the database. */
  readonly refreshTokens: RefreshTokenStore
  /** Stores a message and returns its id: one statement, no other round trip. */
  addMessage(room: string, username: string, text: string, time: number): Promise<number>
  /** The newest `limit` messages of `room` with an id below `before` (if given), oldest first. */
  messages(room: string, limit: number, before?: number): Promise<StoredMessage[]>
  /** Closes the connections (and the file). */
  close(): Promise<void>
}

/** An id above every real one, so one prepared statement serves "no `before`" too. */
export const NO_BEFORE = Number.MAX_SAFE_INTEGER
