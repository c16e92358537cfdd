/**
 * Presence shared by every process on one Redis, that survives a process
 * crash: each process holds its users' entries with an expiry it renews
 * every few seconds (a heartbeat). When a process dies, its entries expire,
 * and the next process to look prunes them and tells the rooms `left`.
 *
 * Per room, two keys (hash-tagged so they live on one cluster slot):
 * - `chat:presence:{room}:procs`, a sorted set of `<process>:<username>`
 *   scored by expiry time (Redis's clock, so skewed hosts agree);
 * - `chat:presence:{room}:users`, a hash of username → number of processes
 *   holding it. A user joins when it goes 0 → 1 and leaves on 1 → 0.
 *
 * Each process also counts its own connections per room and user, so Redis
 * is only asked on a user's first connection (and last disconnection) in the
 * room in this process.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

import { Redis } from 'ioredis'

import { ConnectionCounts } from './connection-counts.js'
import type { JoinResult, Presence } from './presence.js'

/** Options of `RedisPresence`. */
export interface RedisPresenceOptions {
  /** `redis://…` */
  url: string
  /** How long an entry lives without a heartbeat, in ms. @default 30000 */
  ttlMs?: number
  /** How often entries are renewed (and dead ones pruned), in ms. @default 10000 */
  heartbeatMs?: number
  /** Key prefix. @default 'chat:presence:' */
  prefix?: string
}

// Shared by every script: removes expired entries and returns the users
// that no process holds any more.
const PRUNE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local vanished = {}
for _, entry in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  redis.call('ZREM', KEYS[1], entry)
  local user = string.sub(entry, string.find(entry, ':', 1, true) + 1)
  if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
    redis.call('HDEL', KEYS[2], user)
    table.insert(vanished, user)
  end
end
local expires = now + tonumber(ARGV[1])
`
const KEEP_KEYS = `
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('PEXPIRE', KEYS[2], 86400000)
`

// KEYS: procs, users. ARGV: ttl, entry, username. Returns {first, members, vanished}.
const JOIN = `${PRUNE}
local first = 0
if redis.call('ZADD', KEYS[1], expires, ARGV[2]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[3], 1) == 1 then first = 1 end
end
${KEEP_KEYS}
return {first, redis.call('HKEYS', KEYS[2]), vanished}
`

// KEYS: procs, users. ARGV: ttl, entry, username. Returns {last, vanished}.
const LEAVE = `${PRUNE}
local last = 0
if redis.call('ZREM', KEYS[1], ARGV[2]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[3], -1) <= 0 then
    redis.call('HDEL', KEYS[2], ARGV[3])
    last = 1
  end
end
return {last, vanished}
`

// KEYS: procs, users. ARGV: ttl, then entry, username pairs. Renews them; returns vanished.
const RENEW = `${PRUNE}
for i = 2, #ARGV, 2 do
  if redis.call('ZADD', KEYS[1], expires, ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[i + 1], 1)
  end
end
${KEEP_KEYS}
return vanished
`

type PresenceRedis = Redis & {
  chatPresenceJoin(
    procs: string,
    users: string,
    ...args: (string | number)[]
  ): Promise<[number, string[], string[]]>
  chatPresenceLeave(procs: string, users: string, ...args: (string | number)[]): Promise<[number, string[]]>
  chatPresenceRenew(procs: string, users: string, ...args: (string | number)[]): Promise<string[]>
}

/**
 * Presence across processes on Redis.
 *
 * @example
 * ```ts
 * const presence = new RedisPresence({ url: process.env.REDIS_URL! })
 * presence.onVanished((room, username) => broadcastLeft(room, username))
 * ```
 */
export class RedisPresence implements Presence {
  readonly #redis: PresenceRedis
  readonly #process = randomBytes(9).toString('base64url')
  readonly #prefix: string
  readonly #ttl: number
  readonly #local = new ConnectionCounts()
  readonly #listeners: ((room: string, username: string) => void)[] = []
  readonly #timer: NodeJS.Timeout

  constructor(options: RedisPresenceOptions) {
    this.#prefix = options.prefix ?? 'chat:presence:'
    this.#ttl = options.ttlMs ?? 30_000
    // Lazy: a process that never joins a room (the cluster primary) never connects.
    const redis = new Redis(options.url, { maxRetriesPerRequest: 2, lazyConnect: true })
    // Connection errors surface as failed commands; ioredis reconnects by itself.
    redis.on('error', () => undefined)
    redis.defineCommand('chatPresenceJoin', { numberOfKeys: 2, lua: JOIN })
    redis.defineCommand('chatPresenceLeave', { numberOfKeys: 2, lua: LEAVE })
    redis.defineCommand('chatPresenceRenew', { numberOfKeys: 2, lua: RENEW })
    this.#redis = redis as PresenceRedis
    this.#timer = setInterval(() => void this.#heartbeat(), options.heartbeatMs ?? 10_000)
    this.#timer.unref()
  }

  async join(room: string, username: string): Promise<JoinResult> {
    const local = this.#local.add(room, username)
    let reply: [number, string[], string[]]
    try {
      reply = await this.#redis.chatPresenceJoin(
        ...this.#keys(room),
        this.#ttl,
        this.#entry(username),
        username,
      )
    } catch (error) {
      // The connection fails; it must not stay counted here.
      this.#forget(room, username).catch(() => undefined)
      throw error
    }
    const [first, members, vanished] = reply
    this.#notify(room, vanished)
    // Only the first local connection can be the user's first anywhere.
    return { first: local.first && first === 1, members: members.sort() }
  }

  async leave(room: string, username: string): Promise<boolean> {
    return this.#forget(room, username)
  }

  async #forget(room: string, username: string): Promise<boolean> {
    if (this.#local.remove(room, username) !== 'last') return false
    const [last, vanished] = await this.#redis.chatPresenceLeave(
      ...this.#keys(room),
      this.#ttl,
      this.#entry(username),
      username,
    )
    this.#notify(room, vanished)
    return last === 1
  }

  onVanished(listener: (room: string, username: string) => void): void {
    this.#listeners.push(listener)
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#redis.disconnect()
  }

  /** Renews this process's entries, room by room, and reports users of dead processes. */
  async #heartbeat(): Promise<void> {
    for (const [room, users] of this.#local.rooms()) {
      const pairs = users.flatMap((username) => [this.#entry(username), username])
      try {
        this.#notify(room, await this.#redis.chatPresenceRenew(...this.#keys(room), this.#ttl, ...pairs))
      } catch {
        // Redis is away; the next beat tries again, well before the entries expire.
      }
    }
  }

  #notify(room: string, vanished: string[]): void {
    for (const username of vanished) for (const listener of this.#listeners) listener(room, username)
  }

  #keys(room: string): [string, string] {
    return [`${this.#prefix}{${room}}:procs`, `${this.#prefix}{${room}}:users`]
  }

  #entry(username: string): string {
    return `${this.#process}:${username}`
  }
}
