/**
 * The Lua scripts of the Redis layers, each one round trip that does what
 * `channels_redis` does in several. They are ioredis custom commands
 * (`defineCommand`): ioredis sends the source once per connection and
 * EVALSHA after it, and sends the source again when Redis has forgotten it.
 *
 * Every script trims expired messages from the keys it touches on the shard
 * that holds them (`channels_redis` trims group members' queues on the
 * group's shard instead, which with several hosts leaves them untrimmed).
 *
 * @module
 * @internal
 */

import type { ChainableCommander, Redis } from 'ioredis'

type Arg = string | number | Buffer

/**
 * A direct send. KEYS[1] the channel's sorted set; ARGV: expired-before
 * score, capacity (-1: none), score, member, expiry in ms.
 * Returns 1 when queued, 0 when the channel is full.
 */
const SEND = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local capacity = tonumber(ARGV[2])
if capacity >= 0 and redis.call('ZCARD', KEYS[1]) >= capacity then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`

/**
 * The members of a group, dropping memberships older than `groupExpiry`.
 * KEYS[1] the group's sorted set; ARGV[1] joined-before score.
 */
const GROUP_MEMBERS = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`

/**
 * Joins a group and renews the group's expiry. KEYS[1] the group's sorted
 * set; ARGV: channel, score, group expiry in ms.
 */
const GROUP_ADD = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`

/**
 * One shard's part of a group send: one member per channel key (the key of a
 * process holds one message naming all its member channels). KEYS: n channel
 * keys; ARGV: n members, n capacities (-1: none), score, expiry in ms,
 * expired-before score. Returns the 1-based indexes of the keys that were full.
 */
const GROUP_SEND = `
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
`

/**
 * Several PUBLISHes in one call, in order (the pub/sub layer's publishes of
 * one tick). ARGV: channel, payload, channel, payload, …
 */
const PUBLISH_MANY = `
for i = 1, #ARGV, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end
return 0
`

/** The layers' scripts, as methods of a connection they were defined on. @internal */
export interface LayerScripts {
  /** See `SEND`: 1 when queued, 0 when the channel is full. */
  tschannelsSend(
    key: string,
    expiredBefore: number,
    capacity: number,
    score: number,
    member: Buffer,
    expiryMs: number,
  ): Promise<number>
  /** See `GROUP_MEMBERS`. */
  tschannelsGroupMembers(key: string, joinedBefore: number): Promise<string[]>
  /** See `GROUP_ADD`. */
  tschannelsGroupAdd(key: string, channel: string, score: number, expiryMs: number): Promise<number>
  /** See `PUBLISH_MANY`: channel, payload, channel, payload, … */
  tschannelsPublish(...channelsAndPayloads: Array<string | Buffer>): Promise<number>
  /** See `GROUP_SEND`: `keys` then the arguments; returns the 1-based indexes of full keys. */
  tschannelsGroupSend(numberOfKeys: number, ...keysAndArgs: Arg[]): Promise<number[]>
}

/** A pipeline on a connection with the scripts defined. @internal */
export type ScriptPipeline = ChainableCommander & {
  tschannelsGroupAdd(key: string, channel: string, score: number, expiryMs: number): ScriptPipeline
}

/** A connection with the core layer's scripts defined. @internal */
export type ScriptedRedis = Redis & LayerScripts

/**
 * Defines the scripts on `client` (once per connection object; ioredis keeps
 * them across reconnects).
 *
 * @internal
 */
export function defineScripts(client: Redis): ScriptedRedis {
  client.defineCommand('tschannelsSend', { numberOfKeys: 1, lua: SEND })
  client.defineCommand('tschannelsGroupMembers', { numberOfKeys: 1, lua: GROUP_MEMBERS })
  client.defineCommand('tschannelsGroupAdd', { numberOfKeys: 1, lua: GROUP_ADD })
  client.defineCommand('tschannelsGroupSend', { lua: GROUP_SEND })
  client.defineCommand('tschannelsPublish', { numberOfKeys: 0, lua: PUBLISH_MANY })
  return client as ScriptedRedis
}
