/**
 * The Lua scripts of the core layer, each one round trip that does what
 * `channels_redis` does in several, run with EVALSHA (the source is sent
 * only once per connection, on NOSCRIPT).
 *
 * Every script trims expired messages from the keys it touches on the shard
 * that holds them (`channels_redis` trims group members' queues on the
 * group's shard instead, which with several hosts leaves them untrimmed).
 *
 * @module
 * @internal
 */

import { createHash } from 'node:crypto'

import type { Redis } from 'ioredis'

/** The script calls on one connection that are not answered yet, and who waits for none to be left. */
interface CallsOnConnection {
  count: number
  waiters: (() => void)[]
}

const callsByConnection = new WeakMap<Redis, CallsOnConnection>()

/** A Lua script and its SHA-1, called with EVALSHA and falling back to EVAL. @internal */
export class LuaScript {
  readonly source: string
  readonly sha: string

  constructor(source: string) {
    this.source = source
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  /** Runs the script with `keys` and `args` on `client`. */
  async run(
    client: Redis,
    keys: readonly (string | Buffer)[],
    args: readonly (string | number | Buffer)[],
  ): Promise<unknown> {
    let calls = callsByConnection.get(client)
    if (calls === undefined) {
      calls = { count: 0, waiters: [] }
      callsByConnection.set(client, calls)
    }
    calls.count++
    try {
      try {
        return await client.evalsha(this.sha, keys.length, ...keys, ...args)
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
        return await client.eval(this.source, keys.length, ...keys, ...args)
      }
    } finally {
      if (--calls.count === 0 && calls.waiters.length > 0) {
        const waiters = calls.waiters
        calls.waiters = []
        for (const wake of waiters) wake()
      }
    }
  }
}

/**
 * Resolves once every script call made on `client` so far has been
 * answered. A call answered NOSCRIPT sends its source as a second command
 * (EVAL), so a QUIT written while it waits would cut that command off:
 * closing waits for this first.
 *
 * @internal
 */
export function scriptCallsSettled(client: Redis): Promise<void> {
  const calls = callsByConnection.get(client)
  if (calls === undefined || calls.count === 0) return Promise.resolve()
  return new Promise<void>((resolve) => calls.waiters.push(resolve))
}

/**
 * A direct send. KEYS[1] the channel's sorted set; ARGV: expired-before
 * score, capacity (-1: none), score, member, expiry in ms.
 * Returns 1 when queued, 0 when the channel is full.
 */
export const SEND = new LuaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local capacity = tonumber(ARGV[2])
if capacity >= 0 and redis.call('ZCARD', KEYS[1]) >= capacity then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`)

/**
 * The members of a group, dropping memberships older than `groupExpiry`.
 * KEYS[1] the group's sorted set; ARGV[1] joined-before score.
 */
export const GROUP_MEMBERS = new LuaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`)

/**
 * Joins a group and renews the group's expiry. KEYS[1] the group's sorted
 * set; ARGV: channel, score, group expiry in ms.
 */
export const GROUP_ADD = new LuaScript(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

/**
 * One shard's part of a group send: one member per channel key (the key of a
 * process holds one message naming all its member channels). KEYS: n channel
 * keys; ARGV: n members, n capacities (-1: none), score, expiry in ms,
 * expired-before score. Returns the 1-based indexes of the keys that were full.
 */
export const GROUP_SEND = new LuaScript(`
local n = #KEYS
local score = ARGV[2 * n + 1]
local expiry = ARGV[2 * n + 2]
local cutoff = ARGV[2 * n + 3]
local full = {}
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', cutoff)
  local capacity = tonumber(ARGV[n + i])
  if capacity < 0 or redis.call('ZCARD', KEYS[i]) < capacity then
    redis.call('ZADD', KEYS[i], score, ARGV[i])
    redis.call('PEXPIRE', KEYS[i], expiry)
  else
    full[#full + 1] = i
  end
end
return full
`)

/**
 * Several PUBLISHes in one call (pub/sub layer). ARGV: channel, payload,
 * channel, payload, …
 */
export const PUBLISH_MANY = new LuaScript(`
for i = 1, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end
return 0
`)
