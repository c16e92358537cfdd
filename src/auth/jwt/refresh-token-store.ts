/**
 * Where refresh-token use is recorded, for rotation with reuse detection.
 *
 * @module
 */

/** Records which refresh tokens were used and which token families are revoked. */
export interface RefreshTokenStore {
  /**
   * Marks refresh token `jti` of `family` as used, atomically; returns
   * `false` if it already was (a replay), or the family is revoked.
   */
  use(jti: string, family: string, expiresAt: Date): Promise<boolean>
  /** Revokes every refresh token of `family` until `expiresAt`. */
  revokeFamily(family: string, expiresAt: Date): Promise<void>
  /** Whether `family` is revoked. */
  isRevoked(family: string): Promise<boolean>
  /** Releases connections and timers. */
  close(): Promise<void>
}

/**
 * Refresh-token records in this process's memory; use the Redis store when
 * several processes refresh tokens.
 *
 * @example
 * ```ts
 * const issuer = new TokenIssuer({ key: secret, refreshStore: new InMemoryRefreshTokenStore() })
 * ```
 */
export class InMemoryRefreshTokenStore implements RefreshTokenStore {
  #used = new Map<string, number>()
  #revoked = new Map<string, number>()

  async use(jti: string, family: string, expiresAt: Date): Promise<boolean> {
    this.#sweep()
    if (this.#revoked.has(family) || this.#used.has(jti)) return false
    this.#used.set(jti, expiresAt.getTime())
    return true
  }

  async revokeFamily(family: string, expiresAt: Date): Promise<void> {
    this.#revoked.set(family, expiresAt.getTime())
  }

  async isRevoked(family: string): Promise<boolean> {
    this.#sweep()
    return this.#revoked.has(family)
  }

  async close(): Promise<void> {}

  #sweep(): void {
    const now = Date.now()
    for (const map of [this.#used, this.#revoked]) {
      for (const [key, until] of map) if (until <= now) map.delete(key)
    }
  }
}
