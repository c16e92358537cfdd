/**
 * `PostgresSessionStore`: sessions in PostgreSQL, shared by every process.
 * Loads `pg`; import it from `tschannels/postgres`.
 *
 * @module
 */

import type pg from 'pg'

import { warn } from '../../util/warnings.js'
import { isValidSessionKey, newSessionKey } from '../session-store.js'
import type { SessionData, SessionStore } from '../session-store.js'
import { parseStoredSession } from './stored-session.js'
import { sqlIdentifier } from './sql-identifier.js'
import { postgresPoolFor } from '../../util/postgres-pool.js'
import { ensurePostgresTable } from './own-table.js'

/** Options of `PostgresSessionStore`. */
export interface PostgresSessionStoreOptions {
  /** A pool to share (the store then does not end it). @default a new pool on `connectionString` */
  pool?: pg.Pool
  /** Where to connect. @default the `databaseUrl` setting (`DATABASE_URL`) */
  connectionString?: string
  /** The table, created when missing. @default 'tschannels_session' */
  table?: string
  /** The schema holding the table, created when missing. @default 'public' */
  schema?: string
  /** How often expired sessions are deleted, in ms; 0 turns the sweep off. @default 600000 */
  sweepIntervalMs?: number
}

/**
 * Keeps sessions in a PostgreSQL table, like Django's database backend.
 * Every save is one `INSERT … ON CONFLICT` statement, so concurrent saves of
 * a session replace it whole, never mixed; new keys are inserted with
 * `DO NOTHING` and retried, so two new sessions never share a key.
 *
 * @example
 * ```ts
 * import { PostgresSessionStore } from 'tschannels/postgres'
 * configureSettings({ sessionStore: new PostgresSessionStore() }) // DATABASE_URL
 * ```
 */
export class PostgresSessionStore implements SessionStore {
  readonly #pool: pg.Pool
  readonly #owned: boolean
  readonly #table: string
  readonly #schema: string
  #ready: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(options: PostgresSessionStoreOptions = {}) {
    this.#schema = sqlIdentifier(options.schema ?? 'public', 'PostgresSessionStore schema')
    const table = sqlIdentifier(options.table ?? 'tschannels_session', 'PostgresSessionStore table')
    this.#table = `"${this.#schema}"."${table}"`
    const { pool, owned } = postgresPoolFor(options, 'PostgresSessionStore')
    this.#pool = pool
    this.#owned = owned
    const interval = options.sweepIntervalMs ?? 600_000
    if (interval > 0) {
      this.#timer = setInterval(() => {
        this.clearExpired().catch((error: unknown) =>
          warn('CHANNELS_WRN_022', `PostgresSessionStore could not clear expired sessions: ${String(error)}`),
        )
      }, interval)
      this.#timer.unref()
    }
  }

  async load(key: string): Promise<SessionData | null> {
    if (!isValidSessionKey(key)) return null
    await this.#setUp()
    const { rows } = await this.#pool.query<{ session_data: string }>(
      `SELECT session_data FROM ${this.#table} WHERE session_key = $1 AND expire_date > now()`,
      [key],
    )
    return rows[0] === undefined
      ? null
      : parseStoredSession(rows[0].session_data, this, `PostgresSessionStore ${this.#table}`)
  }

  async save(key: string | null, data: SessionData, expiresAt: Date): Promise<string> {
    await this.#setUp()
    const json = JSON.stringify(data)
    if (key !== null && isValidSessionKey(key)) {
      await this.#pool.query(
        `INSERT INTO ${this.#table} (session_key, session_data, expire_date) VALUES ($1, $2, $3) ` +
          `ON CONFLICT (session_key) DO UPDATE SET session_data = excluded.session_data, expire_date = excluded.expire_date`,
        [key, json, expiresAt],
      )
      return key
    }
    for (;;) {
      const fresh = newSessionKey()
      const { rowCount } = await this.#pool.query(
        `INSERT INTO ${this.#table} (session_key, session_data, expire_date) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [fresh, json, expiresAt],
      )
      if (rowCount === 1) return fresh
    }
  }

  async delete(key: string): Promise<void> {
    if (!isValidSessionKey(key)) return
    await this.#setUp()
    await this.#pool.query(`DELETE FROM ${this.#table} WHERE session_key = $1`, [key])
  }

  async clearExpired(): Promise<number> {
    await this.#setUp()
    const { rowCount } = await this.#pool.query(`DELETE FROM ${this.#table} WHERE expire_date <= now()`)
    return rowCount ?? 0
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    if (this.#owned) await this.#pool.end()
  }

  #setUp(): Promise<void> {
    this.#ready ??= ensurePostgresTable(
      this.#pool,
      {
        store: 'PostgresSessionStore',
        qualified: this.#table,
        columns: ['session_key', 'session_data', 'expire_date'],
        hint: "Django's django_session is read by DjangoDbSessionStore from 'tschannels/django'.",
      },
      [
        `CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`,
        `CREATE TABLE IF NOT EXISTS ${this.#table} (session_key TEXT PRIMARY KEY, session_data TEXT NOT NULL, ` +
          `expire_date TIMESTAMPTZ NOT NULL)`,
      ],
    ).catch((error: unknown) => {
      // Try again on the next call rather than fail forever.
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }
}
