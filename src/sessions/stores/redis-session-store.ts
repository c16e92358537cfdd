/**
 * `RedisSessionStore`: sessions in Redis, expired by Redis itself. Loads
 * `ioredis`; import it from `tschannels/redis`.
 *
 * @module
 */

import type { Redis } from 'ioredis'

import { isValidSessionKey, newSessionKey } from '../session-store.js'
import type { SessionData, SessionStore } from '../session-store.js'
import { parseStoredSession } from './stored-session.js'
import { redisClientFor } from '../../util/redis-client.js'

/** Options of `RedisSessionStore`. */
export interface RedisSessionStoreOptions {
  /** A client to share (the store then does not close it). @default a new client on `url` */
  client?: Redis
  /** Where to connect. @default the `redisUrl` setting (`REDIS_URL`) */
  url?: string
  /** Prefix of every key. @default 'tschannels:session:' */
  prefix?: string
}

/**
 * Keeps each session as one Redis string with a TTL, so expiry needs no
 * sweep. A save is one `SET`, atomic; new keys use `SET … NX`.
 *
 * @example
 * ```ts
 * import { RedisSessionStore } from 'tschannels/redis'
 * configureSettings({ sessionStore: new RedisSessionStore() }) // REDIS_URL
 * ```
 */
export class RedisSessionStore implements SessionStore {
  readonly #redis: Redis
  readonly #owned: boolean
  readonly #prefix: string

  constructor(options: RedisSessionStoreOptions = {}) {
    this.#prefix = options.prefix ?? 'tschannels:session:'
    const { redis, owned } = redisClientFor(options, 'RedisSessionStore')
    this.#redis = redis
    this.#owned = owned
  }

  async load(key: string): Promise<SessionData | null> {
    if (!isValidSessionKey(key)) return null
    const json = await this.#redis.get(this.#prefix + key)
    return json === null ? null : parseStoredSession(json, this, `RedisSessionStore ${this.#prefix}*`)
  }

  async save(key: string | null, data: SessionData, expiresAt: Date): Promise<string> {
    const json = JSON.stringify(data)
    const ttl = Math.max(1, expiresAt.getTime() - Date.now())
    if (key !== null && isValidSessionKey(key)) {
      await this.#redis.set(this.#prefix + key, json, 'PX', ttl)
      return key
    }
    for (;;) {
      const fresh = newSessionKey()
      if ((await this.#redis.set(this.#prefix + fresh, json, 'PX', ttl, 'NX')) === 'OK') return fresh
    }
  }

  async delete(key: string): Promise<void> {
    if (isValidSessionKey(key)) await this.#redis.del(this.#prefix + key)
  }

  async clearExpired(): Promise<number> {
    return 0
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit()
  }
}
