/**
 * `DjangoTokenStore`: Django REST framework's `authtoken_token` table, the
 * tokens behind `Authorization: Token <key>`.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import { ImproperlyConfigured, ReadOnlyStore } from '../errors.js'
import type { TokenStore } from '../auth/token-store.js'
import { identifier } from './database.js'
import type { DjangoDatabase } from './database.js'

/** Options of `DjangoTokenStore`. */
export interface DjangoTokenStoreOptions {
  /** The Django site's database; `create()`/`delete()` need it writable. */
  database: DjangoDatabase
  /** DRF's token table. @default 'authtoken_token' */
  table?: string
}

const KEY = /^[0-9a-f]{40}$/

/**
 * DRF's tokens as DRF keeps them: the 40-hex-digit `key` in clear (DRF's
 * choice, so a token Django issued works as it is), `user_id`, `created`.
 * Pair it with `TokenAuthMiddleware` and a `DjangoUserStore`; the
 * middleware reads `Authorization: Token <key>` by default. Never creates
 * or alters the table; writes only with a writable database.
 *
 * @example
 * ```ts
 * declare const database: DjangoDatabase
 * const application = TokenAuthMiddleware(URLRouter(routes), {
 *   tokens: new DjangoTokenStore({ database }),
 *   users: new DjangoUserStore({ database }),
 * })
 * ```
 */
export class DjangoTokenStore implements TokenStore {
  readonly #db: DjangoDatabase
  readonly #table: string

  constructor(options: DjangoTokenStoreOptions) {
    if (typeof options?.database?.query !== 'function') {
      throw new ImproperlyConfigured('DjangoTokenStore needs { database } from openDjangoDatabase().')
    }
    this.#db = options.database
    this.#table = this.#db.quote(identifier(options.table ?? 'authtoken_token', 'The token table'))
  }

  async getUserId(token: string): Promise<string | null> {
    if (typeof token !== 'string' || !KEY.test(token)) return null
    const rows = await this.#db.query<{ user_id: unknown }>(
      `SELECT user_id FROM ${this.#table} WHERE ${this.#db.quote('key')} = ?`,
      [token],
    )
    return rows[0] === undefined ? null : String(rows[0].user_id)
  }

  /** The user's token, created as DRF's `Token.objects.get_or_create(user=…)` would. */
  async create(userId: string): Promise<string> {
    this.#requireWritable('create a token')
    const existing = await this.#db.query<{ key: string }>(
      `SELECT ${this.#db.quote('key')} AS ${this.#db.quote('key')} FROM ${this.#table} WHERE user_id = ?`,
      [userId],
    )
    if (existing[0] !== undefined) return existing[0].key
    const key = randomBytes(20).toString('hex')
    await this.#db.execute(
      `INSERT INTO ${this.#table} (${this.#db.quote('key')}, user_id, created) VALUES (?, ?, ?)`,
      [key, userId, new Date()],
    )
    return key
  }

  async delete(token: string): Promise<void> {
    this.#requireWritable('delete a token')
    if (typeof token !== 'string' || !KEY.test(token)) return
    await this.#db.execute(`DELETE FROM ${this.#table} WHERE ${this.#db.quote('key')} = ?`, [token])
  }

  async deleteForUser(userId: string): Promise<void> {
    this.#requireWritable('delete tokens')
    await this.#db.execute(`DELETE FROM ${this.#table} WHERE user_id = ?`, [userId])
  }

  async close(): Promise<void> {}

  #requireWritable(what: string): void {
    if (!this.#db.writable) {
      throw new ReadOnlyStore(
        `DRF's tokens are read-only here, so tschannels cannot ${what}; open the database with { writable: true }.`,
      )
    }
  }
}
