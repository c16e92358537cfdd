/**
 * `SqliteUserStore`: users in a SQLite file. Loads `better-sqlite3`;
 * import it from `tschannels/sqlite`.
 *
 * @module
 */

import type Database from 'better-sqlite3'

import { UserExists } from '../../errors.js'
import { sqlIdentifier } from '../../sessions/stores/sql-identifier.js'
import { toUser } from '../user.js'
import type { User } from '../user.js'
import type { NewUser, UserStore } from '../user-store.js'
import { checkSqliteDriver } from '../../util/sqlite-compat.js'
import { createSqliteTables, openSqliteDatabase } from '../../util/sqlite-setup.js'
import { ensureSqliteTable } from '../../sessions/stores/own-table.js'

/** Options of `SqliteUserStore`. */
export interface SqliteUserStoreOptions {
  /** The database file. Ignored when `database` is given. @default 'db.sqlite3' */
  filename?: string
  /** An open `better-sqlite3` database to share (the store then does not close it). @default undefined */
  database?: Database.Database
  /** The table, created when missing. @default 'tschannels_user' */
  table?: string
}

interface Row {
  id: number
  username: string
  password_hash: string
  is_active: number
  created: number
}

/**
 * Keeps users in a SQLite table (`id`, `username` unique, `password_hash`,
 * `is_active`, `created`).
 *
 * @example
 * ```ts
 * import { SqliteUserStore } from 'tschannels/sqlite'
 * const users = new SqliteUserStore({ filename: 'db.sqlite3' })
 * ```
 */
export class SqliteUserStore implements UserStore {
  readonly #db: Database.Database
  readonly #owned: boolean
  readonly #table: string

  constructor(options: SqliteUserStoreOptions = {}) {
    checkSqliteDriver()
    this.#table = sqlIdentifier(options.table ?? 'tschannels_user', 'SqliteUserStore table')
    this.#owned = options.database === undefined
    this.#db = options.database ?? openSqliteDatabase(options.filename ?? 'db.sqlite3')
    ensureSqliteTable(
      this.#db,
      this.#table,
      {
        store: 'SqliteUserStore',
        qualified: this.#table,
        columns: ['id', 'username', 'password_hash', 'is_active', 'created'],
        hint: "Django's auth_user is read by DjangoUserStore from 'tschannels/django'.",
      },
      () =>
        createSqliteTables(
          this.#db,
          `CREATE TABLE IF NOT EXISTS ${this.#table} (id INTEGER PRIMARY KEY AUTOINCREMENT, ` +
            `username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, is_active INTEGER NOT NULL DEFAULT 1, ` +
            `created INTEGER NOT NULL)`,
        ),
    )
  }

  async getById(id: string): Promise<User | null> {
    if (!/^\d{1,18}$/.test(String(id))) return null
    return fromRow(
      this.#db.prepare<[number], Row>(`SELECT * FROM ${this.#table} WHERE id = ?`).get(Number(id)),
    )
  }

  async getByUsername(username: string): Promise<User | null> {
    return fromRow(
      this.#db.prepare<[string], Row>(`SELECT * FROM ${this.#table} WHERE username = ?`).get(username),
    )
  }

  async create(user: NewUser): Promise<User> {
    try {
      const row = this.#db
        .prepare<[string, string, number, number], Row>(
          `INSERT INTO ${this.#table} (username, password_hash, is_active, created) VALUES (?, ?, ?, ?) RETURNING *`,
        )
        .get(user.username, user.passwordHash, user.isActive === false ? 0 : 1, Date.now())
      return fromRow(row)!
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new UserExists(`A user named '${user.username}' already exists.`, { cause: error })
      }
      throw error
    }
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    this.#db.prepare(`UPDATE ${this.#table} SET password_hash = ? WHERE id = ?`).run(passwordHash, Number(id))
  }

  async setActive(id: string, isActive: boolean): Promise<void> {
    this.#db.prepare(`UPDATE ${this.#table} SET is_active = ? WHERE id = ?`).run(isActive ? 1 : 0, Number(id))
  }

  async delete(id: string): Promise<void> {
    this.#db.prepare(`DELETE FROM ${this.#table} WHERE id = ?`).run(Number(id))
  }

  async close(): Promise<void> {
    if (this.#owned && this.#db.open) this.#db.close()
  }
}

function fromRow(row: Row | undefined): User | null {
  if (row === undefined) return null
  return toUser({
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    isActive: row.is_active === 1,
    created: row.created,
  })
}
