/**
 * `SqliteSessionStore`: sessions in a SQLite file, the embedded default
 * that needs no server. Loads `better-sqlite3`; import it from
 * `tschannels/sqlite`.
 *
 * @module
 */

import type Database from 'better-sqlite3'

import { warn } from '../../util/warnings.js'
import { isValidSessionKey, newSessionKey } from '../session-store.js'
import type { SessionData, SessionStore } from '../session-store.js'
import { parseStoredSession } from './stored-session.js'
import { sqlIdentifier } from './sql-identifier.js'
import { checkSqliteDriver } from '../../util/sqlite-compat.js'
import { createSqliteTables, openSqliteDatabase } from '../../util/sqlite-setup.js'
import { ensureSqliteTable } from './own-table.js'

/** Options of `SqliteSessionStore`. */
export interface SqliteSessionStoreOptions {
  /** The database file, or `':memory:'`. Ignored when `database` is given. @default 'db.sqlite3' */
  filename?: string
  /** An open `better-sqlite3` database to share (the store then does not close it). @default undefined */
  database?: Database.Database
  /** The table, created when missing. @default 'tschannels_session' */
  table?: string
  /** How often expired sessions are deleted, in ms; 0 turns the sweep off. @default 600000 */
  sweepIntervalMs?: number
}

/**
 * Keeps sessions in a SQLite table (`session_key`, `session_data` as JSON,
 * `expire_date` in ms), like Django's database backend. Every save is one
 * statement, so concurrent saves of a session never mix; WAL mode lets
 * several processes on one machine share the file.
 *
 * @example
 * ```ts
 * import { SqliteSessionStore } from 'tschannels/sqlite'
 * configureSettings({ sessionStore: new SqliteSessionStore({ filename: 'db.sqlite3' }) })
 * ```
 */
export class SqliteSessionStore implements SessionStore {
  readonly #db: Database.Database
  readonly #owned: boolean
  readonly #select: Database.Statement<[string, number], { session_data: string }>
  readonly #insert: Database.Statement<[string, string, number]>
  readonly #upsert: Database.Statement<[string, string, number]>
  readonly #delete: Database.Statement<[string]>
  readonly #clear: Database.Statement<[number]>
  #timer: NodeJS.Timeout | undefined

  constructor(options: SqliteSessionStoreOptions = {}) {
    checkSqliteDriver()
    const table = sqlIdentifier(options.table ?? 'tschannels_session', 'SqliteSessionStore table')
    this.#owned = options.database === undefined
    this.#db = options.database ?? openSqliteDatabase(options.filename ?? 'db.sqlite3')
    ensureSqliteTable(
      this.#db,
      table,
      {
        store: 'SqliteSessionStore',
        qualified: table,
        columns: ['session_key', 'session_data', 'expire_date'],
        hint: "Django's django_session is read by DjangoDbSessionStore from 'tschannels/django'.",
      },
      () =>
        createSqliteTables(
          this.#db,
          `CREATE TABLE IF NOT EXISTS ${table} (session_key TEXT PRIMARY KEY, session_data TEXT NOT NULL, expire_date INTEGER NOT NULL);` +
            `CREATE INDEX IF NOT EXISTS ${table}_expire_date ON ${table} (expire_date);`,
        ),
    )
    this.#select = this.#db.prepare(
      `SELECT session_data FROM ${table} WHERE session_key = ? AND expire_date > ?`,
    )
    this.#insert = this.#db.prepare(
      `INSERT INTO ${table} (session_key, session_data, expire_date) VALUES (?, ?, ?) ON CONFLICT (session_key) DO NOTHING`,
    )
    this.#upsert = this.#db.prepare(
      `INSERT INTO ${table} (session_key, session_data, expire_date) VALUES (?, ?, ?) ` +
        `ON CONFLICT (session_key) DO UPDATE SET session_data = excluded.session_data, expire_date = excluded.expire_date`,
    )
    this.#delete = this.#db.prepare(`DELETE FROM ${table} WHERE session_key = ?`)
    this.#clear = this.#db.prepare(`DELETE FROM ${table} WHERE expire_date <= ?`)
    const interval = options.sweepIntervalMs ?? 600_000
    if (interval > 0) {
      this.#timer = setInterval(() => {
        this.clearExpired().catch((error: unknown) =>
          warn('CHANNELS_WRN_022', `SqliteSessionStore could not clear expired sessions: ${String(error)}`),
        )
      }, interval)
      this.#timer.unref()
    }
  }

  async load(key: string): Promise<SessionData | null> {
    if (!isValidSessionKey(key)) return null
    const row = this.#select.get(key, Date.now())
    return row === undefined ? null : parseStoredSession(row.session_data, this, 'SqliteSessionStore')
  }

  async save(key: string | null, data: SessionData, expiresAt: Date): Promise<string> {
    const json = JSON.stringify(data)
    if (key !== null && isValidSessionKey(key)) {
      this.#upsert.run(key, json, expiresAt.getTime())
      return key
    }
    for (;;) {
      const fresh = newSessionKey()
      if (this.#insert.run(fresh, json, expiresAt.getTime()).changes === 1) return fresh
    }
  }

  async delete(key: string): Promise<void> {
    if (isValidSessionKey(key)) this.#delete.run(key)
  }

  async clearExpired(): Promise<number> {
    return this.#clear.run(Date.now()).changes
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    if (this.#owned && this.#db.open) this.#db.close()
  }
}
