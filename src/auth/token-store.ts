/**
 * Opaque tokens, as Django REST framework's `authtoken`: random strings
 * mapped to a user, stored hashed.
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto'

/** Where opaque tokens live. Tokens are stored as SHA-256 hashes, so a leaked table holds no usable token. */
export interface TokenStore {
  /** Makes a new token for `userId` and returns it; only this call ever sees it in clear. */
  create(userId: string): Promise<string>
  /** The user id `token` belongs to, or `null`. */
  getUserId(token: string): Promise<string | null>
  /** Revokes one token. */
  delete(token: string): Promise<void>
  /** Revokes every token of a user (logout everywhere). */
  deleteForUser(userId: string): Promise<void>
  /** Releases connections. */
  close(): Promise<void>
}

/**
 * A new opaque token: 32 random bytes, URL-safe.
 * @internal
 */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The stored form of a token. A fast hash is enough here: the token has 256
 * random bits, so there is nothing to brute-force.
 * @internal
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * Opaque tokens in this process's memory, for tests and development.
 *
 * @example
 * ```ts
 * const tokens = new InMemoryTokenStore()
 * const token = await tokens.create(user.id)
 * ```
 */
export class InMemoryTokenStore implements TokenStore {
  #users = new Map<string, string>()

  async create(userId: string): Promise<string> {
    const token = newOpaqueToken()
    this.#users.set(hashToken(token), userId)
    return token
  }

  async getUserId(token: string): Promise<string | null> {
    return this.#users.get(hashToken(token)) ?? null
  }

  async delete(token: string): Promise<void> {
    this.#users.delete(hashToken(token))
  }

  async deleteForUser(userId: string): Promise<void> {
    for (const [hash, owner] of this.#users) if (owner === userId) this.#users.delete(hash)
  }

  async close(): Promise<void> {}
}
