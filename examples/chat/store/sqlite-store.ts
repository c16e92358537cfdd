/**
 * The embedded default: one SQLite file holds users, sessions, refresh-token
 * records and messages. Processes on one machine may share it (WAL mode).
 *
 * @module
 */

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import type Database from 'better-sqlite3'

import type { RefreshTokenStore } from 'tschannels/jwt'
import { SqliteSessionStore, SqliteUserStore, openSqliteDatabase } from 'tschannels/sqlite'

import { NO_BEFORE } from './chat-store.js'
import type { ChatStore, StoredMessage } from './chat-store.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chat_message (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL,
  username TEXT NOT NULL,
  text TEXT NOT NULL,
  time REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS chat_message_room_id ON chat_message (room, id);
CREATE TABLE IF NOT EXISTS chat_refresh_used (jti TEXT PRIMARY KEY, family TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chat_refresh_revoked (family TEXT PRIMARY KEY, expires INTEGER NOT NULL);
`

/**
 * A `ChatStore` on one SQLite file. Every statement is prepared once, here.
 *
 * @example
 * ```ts
 * const store = new SqliteChatStore('data/chat.sqlite3')
 * ```
 */
export class SqliteChatStore implements ChatStore {
  readonly users: SqliteUserStore
  readonly sessions: SqliteSessionStore
  readonly refreshTokens: RefreshTokenStore
  readonly #db: Database.Database
  readonly #insert: Database.Statement<[string, string, string, number]>
  readonly #page: Database.Statement<[string, number, number], StoredMessage>

  constructor(filename: string) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true })
    // Opened for sharing: several chat processes may start together on a new file.
    this.#db = openSqliteDatabase(filename, { schema: SCHEMA })
    // WAL with NORMAL sync is durable against process crashes and much faster per insert.
    this.#db.pragma('synchronous = NORMAL')
    this.users = new SqliteUserStore({ database: this.#db, table: 'chat_user' })
    this.sessions = new SqliteSessionStore({ database: this.#db, table: 'chat_session' })
    this.refreshTokens = new SqliteRefreshTokenStore(this.#db)
    this.#insert = this.#db.prepare(
      'INSERT INTO chat_message (room, username, text, time) VALUES (?, ?, ?, ?)',
    )
    this.#page = this.#db.prepare(
      'SELECT id, username, text, time FROM chat_message WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?',
    )
  }

  async addMessage(room: string, username: string, text: string, time: number): Promise<number> {
    return Number(this.#insert.run(room, username, text, time).lastInsertRowid)
  }

  async messages(room: string, limit: number, before = NO_BEFORE): Promise<StoredMessage[]> {
    return this.#page.all(room, before, limit).reverse()
  }

  async close(): Promise<void> {
    await this.sessions.close()
    if (this.#db.open) this.#db.close()
  }
}

/** Refresh-token records in the same file, so every process sharing it detects a reuse. */
class SqliteRefreshTokenStore implements RefreshTokenStore {
  readonly #use: Database.Statement<[string, string, number, string, number]>
  readonly #revoke: Database.Statement<[string, number]>
  readonly #isRevoked: Database.Statement<[string, number], { one: number }>
  readonly #sweepUsed: Database.Statement<[number]>
  readonly #sweepRevoked: Database.Statement<[number]>
  #calls = 0

  constructor(db: Database.Database) {
    // One statement: marks the token spent unless it already was or its family is revoked.
    this.#use = db.prepare(
      'INSERT INTO chat_refresh_used (jti, family, expires) SELECT ?, ?, ? ' +
        'WHERE NOT EXISTS (SELECT 1 FROM chat_refresh_revoked WHERE family = ? AND expires > ?) ' +
        'ON CONFLICT (jti) DO NOTHING',
    )
    this.#revoke = db.prepare(
      'INSERT INTO chat_refresh_revoked (family, expires) VALUES (?, ?) ' +
        'ON CONFLICT (family) DO UPDATE SET expires = max(expires, excluded.expires)',
    )
    this.#isRevoked = db.prepare('SELECT 1 AS one FROM chat_refresh_revoked WHERE family = ? AND expires > ?')
    this.#sweepUsed = db.prepare('DELETE FROM chat_refresh_used WHERE expires <= ?')
    this.#sweepRevoked = db.prepare('DELETE FROM chat_refresh_revoked WHERE expires <= ?')
  }

  async use(jti: string, family: string, expiresAt: Date): Promise<boolean> {
    this.#sweep()
    return this.#use.run(jti, family, expiresAt.getTime(), family, Date.now()).changes === 1
  }

  async revokeFamily(family: string, expiresAt: Date): Promise<void> {
    this.#revoke.run(family, expiresAt.getTime())
  }

  async isRevoked(family: string): Promise<boolean> {
    return this.#isRevoked.get(family, Date.now()) !== undefined
  }

  async close(): Promise<void> {}

  // Expired records are useless (the token itself has expired); clear them now and then.
  #sweep(): void {
    if (++this.#calls % 100 !== 0) return
    this.#sweepUsed.run(Date.now())
    this.#sweepRevoked.run(Date.now())
  }
}
