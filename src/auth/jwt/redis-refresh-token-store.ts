/**
 * `RedisRefreshTokenStore`: refresh-token rotation records in Redis, so
 * reuse is detected whichever process sees the replay. Loads `ioredis`;
 * import it from `tschannels/redis`.
 *
 * @module
 */

import type { Redis } from 'ioredis'

import type { RefreshTokenStore } from './refresh-token-store.js'
import { redisClientFor } from '../../util/redis-client.js'
import { redisScript, type RedisScript } from '../../util/redis-script.js'

/** Options of `RedisRefreshTokenStore`. */
export interface RedisRefreshTokenStoreOptions {
  /** A client to share (the store then does not close it). @default a new client on `url` */
  client?: Redis
  /** Where to connect. @default the `redisUrl` setting (`REDIS_URL`) */
  url?: string
  /** Prefix of every key. @default 'tschannels:refresh:' */
  prefix?: string
}

const USE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return 1 end
return 0
`

/**
 * Records spent refresh tokens and revoked families with Redis TTLs.
 *
 * @example
 * ```ts
 * import { RedisRefreshTokenStore } from 'tschannels/redis'
 * const issuer = new TokenIssuer({ key: secret, refreshStore: new RedisRefreshTokenStore() })
 * ```
 */
export class RedisRefreshTokenStore implements RefreshTokenStore {
  readonly #redis: Redis
  readonly #owned: boolean
  readonly #prefix: string
  readonly #use: RedisScript

  constructor(options: RedisRefreshTokenStoreOptions = {}) {
    this.#prefix = options.prefix ?? 'tschannels:refresh:'
    const { redis, owned } = redisClientFor(options, 'RedisRefreshTokenStore')
    this.#redis = redis
    this.#owned = owned
    this.#use = redisScript(redis, 'tschannelsRefreshTokenUse', USE, 2)
  }

  async use(jti: string, family: string, expiresAt: Date): Promise<boolean> {
    const ttl = Math.max(1000, expiresAt.getTime() - Date.now())
    const result = await this.#use(`${this.#prefix}used:${jti}`, `${this.#prefix}revoked:${family}`, ttl)
    return result === 1
  }

  async revokeFamily(family: string, expiresAt: Date): Promise<void> {
    const ttl = Math.max(1000, expiresAt.getTime() - Date.now())
    await this.#redis.set(`${this.#prefix}revoked:${family}`, '1', 'PX', ttl)
  }

  async isRevoked(family: string): Promise<boolean> {
    return (await this.#redis.exists(`${this.#prefix}revoked:${family}`)) === 1
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit()
  }
}
