/**
 * `SqliteTokenStore`: opaque (DRF-style) tokens in a SQLite file. Loads
 * `better-sqlite3`; import it from `tschannels/sqlite`.
 *
 * @module
 */

import type Database from 'better-sqlite3'

import { sqlIdentifier } from '../../sessions/stores/sql-identifier.js'
import { hashToken, newOpaqueToken } from '../token-store.js'
import type { TokenStore } from '../token-store.js'
import { checkSqliteDriver } from '../../util/sqlite-compat.js'
import { createSqliteTables, openSqliteDatabase } from '../../util/sqlite-setup.js'
import { ensureSqliteTable } from '../../sessions/stores/own-table.js'

/** Options of `SqliteTokenStore`. */
export interface SqliteTokenStoreOptions {
  /** The database file, or `':memory:'`. Ignored when `database` is given. @default 'db.sqlite3' */
  filename?: string
  /** An open `better-sqlite3` database to share (the store then does not close it). @default undefined */
  database?: Database.Database
  /** The table, created when missing with an index on `user_id`. @default 'tschannels_token' */
  table?: string
}

/**
 * Keeps opaque tokens in a SQLite table, as DRF's `authtoken` does in
 * Django's database: `token_hash` (the SHA-256 of the token, primary key),
 * `user_id` (indexed, so `deleteForUser` is one index lookup) and `created`
 * (ms). The token itself is never written; only `create()` returns it.
 * Tokens do not expire: revoke them with `delete()` or `deleteForUser()`.
 *
 * @example
 * ```ts
 * import { SqliteTokenStore, SqliteUserStore } from 'tschannels/sqlite'
 * const users = new SqliteUserStore({ filename: 'db.sqlite3' })
 * const tokens = new SqliteTokenStore({ filename: 'db.sqlite3' })
 * const token = await tokens.create(user.id) // give it to the client once
 * const application = ProtocolTypeRouter({
 *   websocket: TokenAuthMiddleware(URLRouter(routes), { tokens, users }),
 * })
 * ```
 */
export class SqliteTokenStore implements TokenStore {
  readonly #db: Database.Database
  readonly #owned: boolean
  readonly #insert: Database.Statement<[string, string, number]>
  readonly #select: Database.Statement<[string], { user_id: string }>
  readonly #delete: Database.Statement<[string]>
  readonly #deleteForUser: Database.Statement<[string]>

  constructor(options: SqliteTokenStoreOptions = {}) {
    checkSqliteDriver()
    const table = sqlIdentifier(options.table ?? 'tschannels_token', 'SqliteTokenStore table')
    this.#owned = options.database === undefined
    this.#db = options.database ?? openSqliteDatabase(options.filename ?? 'db.sqlite3')
    ensureSqliteTable(
      this.#db,
      table,
      {
        store: 'SqliteTokenStore',
        qualified: table,
        columns: ['token_hash', 'user_id', 'created'],
        hint: "DRF's authtoken_token is read by DjangoTokenStore from 'tschannels/django'.",
      },
      () =>
        createSqliteTables(
          this.#db,
          `CREATE TABLE IF NOT EXISTS ${table} (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, created INTEGER NOT NULL);` +
            `CREATE INDEX IF NOT EXISTS ${table}_user_id ON ${table} (user_id);`,
        ),
    )
    this.#insert = this.#db.prepare(`INSERT INTO ${table} (token_hash, user_id, created) VALUES (?, ?, ?)`)
    this.#select = this.#db.prepare(`SELECT user_id FROM ${table} WHERE token_hash = ?`)
    this.#delete = this.#db.prepare(`DELETE FROM ${table} WHERE token_hash = ?`)
    this.#deleteForUser = this.#db.prepare(`DELETE FROM ${table} WHERE user_id = ?`)
  }

  async create(userId: string): Promise<string> {
    const token = newOpaqueToken()
    this.#insert.run(hashToken(token), String(userId), Date.now())
    return token
  }

  async getUserId(token: string): Promise<string | null> {
    if (typeof token !== 'string') return null
    return this.#select.get(hashToken(token))?.user_id ?? null
  }

  async delete(token: string): Promise<void> {
    if (typeof token !== 'string') return
    this.#delete.run(hashToken(token))
  }

  async deleteForUser(userId: string): Promise<void> {
    this.#deleteForUser.run(String(userId))
  }

  async close(): Promise<void> {
    if (this.#owned && this.#db.open) this.#db.close()
  }
}
