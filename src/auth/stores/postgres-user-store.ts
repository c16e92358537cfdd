/**
 * `PostgresUserStore`: users in PostgreSQL. Loads `pg`; import it from
 * `tschannels/postgres`.
 *
 * @module
 */

import type pg from 'pg'

import { UserExists } from '../../errors.js'
import { sqlIdentifier } from '../../sessions/stores/sql-identifier.js'
import { toUser } from '../user.js'
import type { User } from '../user.js'
import type { NewUser, UserStore } from '../user-store.js'
import { postgresPoolFor } from '../../util/postgres-pool.js'
import { ensurePostgresTable } from '../../sessions/stores/own-table.js'

/** Options of `PostgresUserStore`. */
export interface PostgresUserStoreOptions {
  /** A pool to share (the store then does not end it). @default a new pool on `connectionString` */
  pool?: pg.Pool
  /** Where to connect. @default the `databaseUrl` setting (`DATABASE_URL`) */
  connectionString?: string
  /** The table, created when missing. @default 'tschannels_user' */
  table?: string
  /** The schema holding the table, created when missing. @default 'public' */
  schema?: string
}

interface Row {
  id: string
  username: string
  password_hash: string
  is_active: boolean
  created: Date
}

/**
 * Keeps users in a PostgreSQL table (`id` bigserial, `username` unique,
 * `password_hash`, `is_active`, `created`).
 *
 * @example
 * ```ts
 * import { PostgresUserStore } from 'tschannels/postgres'
 * configureSettings({ userStore: new PostgresUserStore() }) // DATABASE_URL
 * ```
 */
export class PostgresUserStore implements UserStore {
  readonly #pool: pg.Pool
  readonly #owned: boolean
  readonly #schema: string
  readonly #table: string
  #ready: Promise<void> | undefined

  constructor(options: PostgresUserStoreOptions = {}) {
    this.#schema = sqlIdentifier(options.schema ?? 'public', 'PostgresUserStore schema')
    this.#table = `"${this.#schema}"."${sqlIdentifier(options.table ?? 'tschannels_user', 'PostgresUserStore table')}"`
    const { pool, owned } = postgresPoolFor(options, 'PostgresUserStore')
    this.#pool = pool
    this.#owned = owned
  }

  async getById(id: string): Promise<User | null> {
    if (!/^\d{1,18}$/.test(String(id))) return null
    return this.#one(`SELECT * FROM ${this.#table} WHERE id = $1`, [id])
  }

  async getByUsername(username: string): Promise<User | null> {
    return this.#one(`SELECT * FROM ${this.#table} WHERE username = $1`, [username])
  }

  async create(user: NewUser): Promise<User> {
    try {
      const created = await this.#one(
        `INSERT INTO ${this.#table} (username, password_hash, is_active) VALUES ($1, $2, $3) RETURNING *`,
        [user.username, user.passwordHash, user.isActive ?? true],
      )
      return created!
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new UserExists(`A user named '${user.username}' already exists.`, { cause: error })
      }
      throw error
    }
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.#run(`UPDATE ${this.#table} SET password_hash = $2 WHERE id = $1`, [id, passwordHash])
  }

  async setActive(id: string, isActive: boolean): Promise<void> {
    await this.#run(`UPDATE ${this.#table} SET is_active = $2 WHERE id = $1`, [id, isActive])
  }

  async delete(id: string): Promise<void> {
    await this.#run(`DELETE FROM ${this.#table} WHERE id = $1`, [id])
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#pool.end()
  }

  async #one(sql: string, values: unknown[]): Promise<User | null> {
    await this.#setUp()
    const { rows } = await this.#pool.query<Row>(sql, values)
    const row = rows[0]
    if (row === undefined) return null
    return toUser({
      id: row.id,
      username: row.username,
      passwordHash: row.password_hash,
      isActive: row.is_active,
      created: row.created,
    })
  }

  async #run(sql: string, values: unknown[]): Promise<void> {
    if (!/^\d{1,18}$/.test(String(values[0]))) return
    await this.#setUp()
    await this.#pool.query(sql, values)
  }

  #setUp(): Promise<void> {
    this.#ready ??= ensurePostgresTable(
      this.#pool,
      {
        store: 'PostgresUserStore',
        qualified: this.#table,
        columns: ['id', 'username', 'password_hash', 'is_active', 'created'],
        hint: "Django's auth_user is read by DjangoUserStore from 'tschannels/django'.",
      },
      [
        `CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`,
        `CREATE TABLE IF NOT EXISTS ${this.#table} (id BIGSERIAL PRIMARY KEY, username TEXT NOT NULL UNIQUE, ` +
          `password_hash TEXT NOT NULL, is_active BOOLEAN NOT NULL DEFAULT TRUE, ` +
          `created TIMESTAMPTZ NOT NULL DEFAULT now())`,
      ],
    ).catch((error: unknown) => {
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }
}
