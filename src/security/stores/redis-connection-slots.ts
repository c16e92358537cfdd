/**
 * `RedisConnectionSlots`: connection caps shared by every process on one
 * Redis. Loads `ioredis`; import it from `tschannels/redis`.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import type { Redis } from 'ioredis'

import { ImproperlyConfigured } from '../../errors.js'
import { redisClientFor } from '../../util/redis-client.js'
import type { ConnectionSlot, ConnectionSlotStore } from '../connection-slots.js'

/** Options of `RedisConnectionSlots`. */
export interface RedisConnectionSlotsOptions {
  /** A client to share (the store then does not close it). @default a new client on `url` */
  client?: Redis
  /** Where to connect. @default the `redisUrl` setting (`REDIS_URL`) */
  url?: string
  /** Prefix of every key. @default 'tschannels:slots:' */
  prefix?: string
  /**
   * How long a slot stays counted without being renewed, in ms. The process
   * holding it renews it every third of that, so only the slots of a
   * process that died (or lost Redis) lapse, this long after.
   * @default 60000
   */
  leaseMs?: number
}

// Each slot is a member of a sorted set, scored by the time its lease
// lapses; Redis's own clock is used, so hosts with skewed clocks agree.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`
// Adds back a lease that lapsed during an outage: the connection is still open.
const RENEW = `
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expiry, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`

interface SlotCommands {
  tschannelsSlotAcquire(key: string, limit: number, leaseMs: number, id: string): Promise<number>
}

/** In a pipeline, a command queues and answers at `exec()`. */
interface SlotPipeline {
  tschannelsSlotRenew(key: string, leaseMs: number, ...ids: string[]): SlotPipeline
}

/**
 * Open connections counted in Redis, so caps hold across all the processes
 * behind a load balancer. Every slot is a lease renewed by the process that
 * holds it; when that process dies its slots lapse after `leaseMs`, and a
 * count never drifts. Releasing a slot while Redis is unreachable is not an
 * error: the slot is no longer renewed and lapses.
 *
 * @example
 * ```ts
 * import { RedisConnectionSlots } from 'tschannels/redis'
 * const app = ConnectionCapMiddleware(router, { store: new RedisConnectionSlots(), perAddress: 20 })
 * ```
 */
export class RedisConnectionSlots implements ConnectionSlotStore {
  readonly #redis: Redis & SlotCommands
  readonly #owned: boolean
  readonly #prefix: string
  readonly #leaseMs: number
  readonly #process = randomBytes(8).toString('hex')
  /** Slots held by this process: key → slot ids. */
  readonly #held = new Map<string, Set<string>>()
  #next = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: RedisConnectionSlotsOptions = {}) {
    this.#leaseMs = options.leaseMs ?? 60_000
    if (!Number.isInteger(this.#leaseMs) || this.#leaseMs < 1000) {
      throw new ImproperlyConfigured(
        'RedisConnectionSlots leaseMs must be a whole number of ms, at least 1000.',
      )
    }
    this.#prefix = options.prefix ?? 'tschannels:slots:'
    const { redis, owned } = redisClientFor(options, 'RedisConnectionSlots')
    // Scripts go through EVALSHA, reloaded by ioredis when Redis forgot them.
    if (!('tschannelsSlotAcquire' in redis)) {
      redis.defineCommand('tschannelsSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE })
      redis.defineCommand('tschannelsSlotRenew', { numberOfKeys: 1, lua: RENEW })
    }
    this.#redis = redis as Redis & SlotCommands
    this.#owned = owned
  }

  async acquire(key: string, limit: number): Promise<ConnectionSlot | null> {
    const full = this.#prefix + key
    const id = `${this.#process}:${this.#next++}`
    if ((await this.#redis.tschannelsSlotAcquire(full, limit, this.#leaseMs, id)) !== 1) return null
    let ids = this.#held.get(full)
    if (ids === undefined) this.#held.set(full, (ids = new Set()))
    ids.add(id)
    this.#timer ??= setInterval(() => void this.renew(), Math.floor(this.#leaseMs / 3)).unref()
    let released = false
    return {
      release: async () => {
        if (released) return
        released = true
        // Forgotten first, so it is not renewed again whatever Redis answers.
        this.#forget(full, id)
        await this.#redis.zrem(full, id).catch(() => undefined)
      },
    }
  }

  /**
   * Renews the lease of every slot this process holds; runs every third of
   * `leaseMs` while any is held. A failure is left to the next run.
   * @internal
   */
  async renew(): Promise<void> {
    const pipeline = this.#redis.pipeline()
    for (const [key, ids] of this.#held) {
      ;(pipeline as unknown as SlotPipeline).tschannelsSlotRenew(key, this.#leaseMs, ...ids)
    }
    await pipeline.exec().catch(() => undefined)
  }

  /** Stops renewing, gives back the slots still held (best effort: they lapse anyway) and closes an owned client. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    this.#timer = undefined
    const held = [...this.#held]
    this.#held.clear()
    if (held.length > 0) {
      const pipeline = this.#redis.pipeline()
      for (const [key, ids] of held) pipeline.zrem(key, ...ids)
      await pipeline.exec().catch(() => undefined)
    }
    if (this.#owned) await this.#redis.quit()
  }

  #forget(key: string, id: string): void {
    const ids = this.#held.get(key)
    ids?.delete(id)
    if (ids?.size === 0) this.#held.delete(key)
    if (this.#held.size === 0) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}
