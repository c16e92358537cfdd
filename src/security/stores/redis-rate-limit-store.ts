/**
 * `RedisRateLimitStore`: rate limits shared by every process on one Redis.
 * Loads `ioredis`; import it from `tschannels/redis`.
 *
 * @module
 */

import type { Redis } from 'ioredis'

import type { RateLimitStore, TakeResult, TokenBucket } from '../rate-limit-store.js'
import { redisClientFor } from '../../util/redis-client.js'
import { redisScript, type RedisScript } from '../../util/redis-script.js'

/** Options of `RedisRateLimitStore`. */
export interface RedisRateLimitStoreOptions {
  /** A client to share (the store then does not close it). @default a new client on `url` */
  client?: Redis
  /** Where to connect. @default the `redisUrl` setting (`REDIS_URL`) */
  url?: string
  /** Prefix of every key. @default 'tschannels:rl:' */
  prefix?: string
}

// One script per operation, so each is atomic on the server; Redis's own
// clock is used, so processes with skewed clocks still agree.
const TAKE = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1])
local ts = tonumber(data[2])
if tokens == nil then tokens = capacity ts = now end
tokens = math.min(capacity, tokens + (now - ts) / 1000 * rate)
local allowed = 0
if tokens >= cost then tokens = tokens - cost allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
local ttl = 86400000
if rate > 0 then ttl = math.ceil((capacity - tokens) / rate * 1000) + 1000 end
redis.call('PEXPIRE', KEYS[1], ttl)
local retry = 0
if allowed == 0 and rate > 0 then retry = math.ceil((cost - tokens) / rate * 1000) end
return {allowed, tostring(tokens), retry}
`
const ACQUIRE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`
const RELEASE = `
local left = redis.call('DECR', KEYS[1])
if left <= 0 then redis.call('DEL', KEYS[1]) end
return left
`

/**
 * Token buckets and connection slots in Redis, so limits hold across all
 * the processes behind a load balancer. A slot of a process that died
 * without releasing it disappears after `ttlMs`.
 *
 * @example
 * ```ts
 * import { RedisRateLimitStore } from 'tschannels/redis'
 * const app = RateLimitMiddleware(router, { store: new RedisRateLimitStore() })
 * ```
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: Redis
  readonly #owned: boolean
  readonly #prefix: string
  readonly #take: RedisScript
  readonly #acquire: RedisScript
  readonly #release: RedisScript

  constructor(options: RedisRateLimitStoreOptions = {}) {
    this.#prefix = options.prefix ?? 'tschannels:rl:'
    const { redis, owned } = redisClientFor(options, 'RedisRateLimitStore')
    this.#redis = redis
    this.#owned = owned
    this.#take = redisScript(redis, 'tschannelsRateLimitTake', TAKE, 1)
    this.#acquire = redisScript(redis, 'tschannelsRateLimitAcquire', ACQUIRE, 1)
    this.#release = redisScript(redis, 'tschannelsRateLimitRelease', RELEASE, 1)
  }

  async take(key: string, bucket: TokenBucket, cost = 1): Promise<TakeResult> {
    const [allowed, tokens, retry] = (await this.#take(
      this.#prefix + key,
      bucket.capacity,
      bucket.refillPerSecond,
      cost,
    )) as [number, string, number]
    return { allowed: allowed === 1, remaining: Math.floor(Number(tokens)), retryAfterMs: Number(retry) }
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key)
  }

  async acquire(key: string, limit: number, ttlMs: number): Promise<boolean> {
    return (await this.#acquire(this.#prefix + key, limit, Math.ceil(ttlMs))) === 1
  }

  async release(key: string): Promise<void> {
    await this.#release(this.#prefix + key)
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit()
  }
}
