/**
 * PostgreSQL for the chat (`DATABASE_URL=postgres://…`): users, sessions,
 * refresh-token records and messages in one database that every process
 * shares.
 *
 * @module
 */

import pg from 'pg'

import type { RefreshTokenStore } from 'tschannels/jwt'
import { PostgresSessionStore, PostgresUserStore } from 'tschannels/postgres'

import { NO_BEFORE } from './chat-store.js'
import type { ChatStore, StoredMessage } from './chat-store.js'

/** Options of `PostgresChatStore`. */
export interface PostgresChatStoreOptions {
  /** Where to connect. */
  connectionString: string
  /** The schema holding every table, created when missing. @default 'public' */
  schema?: string
  /** Connections in the pool. @default 10 */
  poolSize?: number
}

// Any fixed number: it only has to be the same in every process creating the tables.
const SCHEMA_LOCK = 61_606_006

/**
 * A `ChatStore` on PostgreSQL. Statements are named, so `pg` prepares each
 * once per connection; a message costs one `INSERT … RETURNING id`.
 *
 * @example
 * ```ts
 * const store = new PostgresChatStore({ connectionString: process.env.DATABASE_URL! })
 * ```
 */
export class PostgresChatStore implements ChatStore {
  readonly users: PostgresUserStore
  readonly sessions: PostgresSessionStore
  readonly refreshTokens: RefreshTokenStore
  readonly #pool: pg.Pool
  readonly #schema: string
  #ready: Promise<void> | undefined

  constructor(options: PostgresChatStoreOptions) {
    this.#schema = options.schema ?? 'public'
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.#schema)) throw new TypeError('Invalid schema name.')
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      // Unqualified table names below resolve in the chat's schema.
      options: `-c search_path=${this.#schema}`,
    })
    // An idle client that loses its server must not crash the process; the pool replaces it.
    this.#pool.on('error', () => undefined)
    this.users = new PostgresUserStore({ pool: this.#pool, schema: this.#schema, table: 'chat_user' })
    this.sessions = new PostgresSessionStore({
      pool: this.#pool,
      schema: this.#schema,
      table: 'chat_session',
    })
    this.refreshTokens = new PostgresRefreshTokenStore(this.#pool, () => this.ready())
  }

  /** Creates the schema and tables once (under an advisory lock, as several processes may start at once). */
  ready(): Promise<void> {
    this.#ready ??= this.#createTables()
    return this.#ready
  }

  async addMessage(room: string, username: string, text: string, time: number): Promise<number> {
    await this.ready()
    const result = await this.#pool.query<{ id: string }>({
      name: 'chat_add_message',
      text: 'INSERT INTO chat_message (room, username, text, time) VALUES ($1, $2, $3, $4) RETURNING id',
      values: [room, username, text, time],
    })
    return Number(result.rows[0]!.id)
  }

  async messages(room: string, limit: number, before = NO_BEFORE): Promise<StoredMessage[]> {
    await this.ready()
    const result = await this.#pool.query<{ id: string; username: string; text: string; time: number }>({
      name: 'chat_messages',
      text:
        'SELECT id, username, text, time FROM chat_message WHERE room = $1 AND id < $2 ' +
        'ORDER BY id DESC LIMIT $3',
      values: [room, before, limit],
    })
    return result.rows.reverse().map((row) => ({ ...row, id: Number(row.id) }))
  }

  async close(): Promise<void> {
    await this.sessions.close()
    await this.#pool.end()
  }

  async #createTables(): Promise<void> {
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN')
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK])
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`)
      await client.query(
        'CREATE TABLE IF NOT EXISTS chat_message (id BIGSERIAL PRIMARY KEY, room TEXT NOT NULL, ' +
          'username TEXT NOT NULL, text TEXT NOT NULL, time DOUBLE PRECISION NOT NULL)',
      )
      await client.query('CREATE INDEX IF NOT EXISTS chat_message_room_id ON chat_message (room, id)')
      await client.query(
        'CREATE TABLE IF NOT EXISTS chat_refresh_used (jti TEXT PRIMARY KEY, family TEXT NOT NULL, expires BIGINT NOT NULL)',
      )
      await client.query(
        'CREATE TABLE IF NOT EXISTS chat_refresh_revoked (family TEXT PRIMARY KEY, expires BIGINT NOT NULL)',
      )
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      this.#ready = undefined
      throw error
    } finally {
      client.release()
    }
  }
}

/** Refresh-token records in the shared database, so a reuse is caught whichever process sees it. */
class PostgresRefreshTokenStore implements RefreshTokenStore {
  readonly #pool: pg.Pool
  readonly #ready: () => Promise<void>

  constructor(pool: pg.Pool, ready: () => Promise<void>) {
    this.#pool = pool
    this.#ready = ready
  }

  async use(jti: string, family: string, expiresAt: Date): Promise<boolean> {
    await this.#ready()
    const result = await this.#pool.query({
      name: 'chat_refresh_use',
      text:
        'INSERT INTO chat_refresh_used (jti, family, expires) SELECT $1, $2, $3 ' +
        'WHERE NOT EXISTS (SELECT 1 FROM chat_refresh_revoked WHERE family = $2 AND expires > $4) ' +
        'ON CONFLICT (jti) DO NOTHING',
      values: [jti, family, expiresAt.getTime(), Date.now()],
    })
    return result.rowCount === 1
  }

  async revokeFamily(family: string, expiresAt: Date): Promise<void> {
    await this.#ready()
    await this.#pool.query({
      name: 'chat_refresh_revoke',
      text:
        'INSERT INTO chat_refresh_revoked (family, expires) VALUES ($1, $2) ' +
        'ON CONFLICT (family) DO UPDATE SET expires = GREATEST(chat_refresh_revoked.expires, EXCLUDED.expires)',
      values: [family, expiresAt.getTime()],
    })
  }

  async isRevoked(family: string): Promise<boolean> {
    await this.#ready()
    const result = await this.#pool.query({
      name: 'chat_refresh_is_revoked',
      text: 'SELECT 1 FROM chat_refresh_revoked WHERE family = $1 AND expires > $2',
      values: [family, Date.now()],
    })
    return (result.rowCount ?? 0) > 0
  }

  async close(): Promise<void> {}
}
