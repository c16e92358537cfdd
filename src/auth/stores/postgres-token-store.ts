/**
 * `PostgresTokenStore`: opaque (DRF-style) tokens in PostgreSQL. Loads
 * `pg`; import it from `tschannels/postgres`.
 *
 * @module
 */

import type pg from 'pg'

import { sqlIdentifier } from '../../sessions/stores/sql-identifier.js'
import { hashToken, newOpaqueToken } from '../token-store.js'
import type { TokenStore } from '../token-store.js'
import { postgresPoolFor } from '../../util/postgres-pool.js'
import { ensurePostgresTable } from '../../sessions/stores/own-table.js'

/** Options of `PostgresTokenStore`. */
export interface PostgresTokenStoreOptions {
  /** A pool to share (the store then does not end it). @default a new pool on `connectionString` */
  pool?: pg.Pool
  /** Where to connect. @default the `databaseUrl` setting (`DATABASE_URL`) */
  connectionString?: string
  /** The table, created when missing with an index on `user_id`. @default 'tschannels_token' */
  table?: string
  /** The schema holding the table, created when missing. @default 'public' */
  schema?: string
}

/**
 * Keeps opaque tokens in a PostgreSQL table, as DRF's `authtoken` does:
 * `token_hash` (the SHA-256 of the token, primary key), `user_id`
 * (indexed, so `deleteForUser` is one index lookup) and `created`. The
 * token itself is never written; only `create()` returns it. Tokens do not
 * expire: revoke them with `delete()` or `deleteForUser()`. Every process
 * on the database sees the same tokens.
 *
 * @example
 * ```ts
 * import { PostgresTokenStore, PostgresUserStore } from 'tschannels/postgres'
 * const tokens = new PostgresTokenStore() // DATABASE_URL
 * const application = ProtocolTypeRouter({
 *   websocket: TokenAuthMiddleware(URLRouter(routes), { tokens, users: new PostgresUserStore() }),
 * })
 * ```
 */
export class PostgresTokenStore implements TokenStore {
  readonly #pool: pg.Pool
  readonly #owned: boolean
  readonly #schema: string
  readonly #name: string
  readonly #table: string
  #ready: Promise<void> | undefined

  constructor(options: PostgresTokenStoreOptions = {}) {
    this.#schema = sqlIdentifier(options.schema ?? 'public', 'PostgresTokenStore schema')
    this.#name = sqlIdentifier(options.table ?? 'tschannels_token', 'PostgresTokenStore table')
    this.#table = `"${this.#schema}"."${this.#name}"`
    const { pool, owned } = postgresPoolFor(options, 'PostgresTokenStore')
    this.#pool = pool
    this.#owned = owned
  }

  async create(userId: string): Promise<string> {
    const token = newOpaqueToken()
    await this.#query(`INSERT INTO ${this.#table} (token_hash, user_id) VALUES ($1, $2)`, [
      hashToken(token),
      String(userId),
    ])
    return token
  }

  async getUserId(token: string): Promise<string | null> {
    if (typeof token !== 'string') return null
    const { rows } = await this.#query<{ user_id: string }>(
      `SELECT user_id FROM ${this.#table} WHERE token_hash = $1`,
      [hashToken(token)],
    )
    return rows[0]?.user_id ?? null
  }

  async delete(token: string): Promise<void> {
    if (typeof token !== 'string') return
    await this.#query(`DELETE FROM ${this.#table} WHERE token_hash = $1`, [hashToken(token)])
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#table} WHERE user_id = $1`, [String(userId)])
  }

  async close(): Promise<void> {
    // `pg` rejects a second `end()`, and closing twice is harmless everywhere else.
    if (this.#owned && !this.#pool.ending && !this.#pool.ended) await this.#pool.end()
  }

  async #query<R extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    await this.#setUp()
    return this.#pool.query<R>(sql, values)
  }

  #setUp(): Promise<void> {
    this.#ready ??= ensurePostgresTable(
      this.#pool,
      {
        store: 'PostgresTokenStore',
        qualified: this.#table,
        columns: ['token_hash', 'user_id'],
        hint: "DRF's authtoken_token is read by DjangoTokenStore from 'tschannels/django'.",
      },
      [
        `CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`,
        `CREATE TABLE IF NOT EXISTS ${this.#table} (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, ` +
          `created TIMESTAMPTZ NOT NULL DEFAULT now())`,
        `CREATE INDEX IF NOT EXISTS "${this.#name}_user_id" ON ${this.#table} (user_id)`,
      ],
    ).catch((error: unknown) => {
      // Try again on the next call rather than fail forever.
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }
}
