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

import {
  HISTORY_APPEND,
  HISTORY_PUBLISH,
  HISTORY_READ,
  PRESENCE_LIST,
  PRESENCE_PUT,
  PRESENCE_REMOVE,
} from './history-scripts.js'

type Arg = string | number | Buffer

/**
 * The direct sends of one tick on one shard, in order: each trims its
 * channel's expired messages, checks its capacity, adds its member and
 * renews the key's expiry. KEYS: one channel key per send (a key may
 * repeat); ARGV[1] expiry in ms,
 * then per send: expired-before score, capacity (-1: none), score, member.
 * Returns per send 1 when queued, 0 when the channel was full.
 */
const SEND_MANY = `
local queued = {}
for i = 1, #KEYS do
  local at = 4 * i - 2
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[at])
  local capacity = tonumber(ARGV[at + 1])
  if capacity >= 0 and redis.call('ZCARD', KEYS[i]) >= capacity then
    queued[i] = 0
  else
    redis.call('ZADD', KEYS[i], ARGV[at + 2], ARGV[at + 3])
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
    queued[i] = 1
  end
end
return queued
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
 * one tick). ARGV[1]: the publishes packed by `packPublishes()`, each a
 * 4-byte big-endian length and the channel name, then a length and the
 * payload. One argument instead of two per publish: ioredis's cost per
 * argument was most of what a batch cost this process (`npm run
 * bench:layers`, pub/sub round trips).
 */
const PUBLISH_MANY = `
local packed, at = ARGV[1], 1
while at <= #packed do
  local length
  length, at = struct.unpack('>I4', packed, at)
  local channel = string.sub(packed, at, at + length - 1)
  at = at + length
  length, at = struct.unpack('>I4', packed, at)
  redis.call('PUBLISH', channel, string.sub(packed, at, at + length - 1))
  at = at + length
end
return 0
`

/** The layers' scripts, as methods of a connection they were defined on. @internal */
export interface LayerScripts {
  /** See `SEND_MANY`: `keys`, then the expiry and four arguments per send; per send 1 or 0. */
  tschannelsSendMany(numberOfKeys: number, ...keysAndArgs: Arg[]): Promise<number[]>
  /** See `GROUP_MEMBERS`. */
  tschannelsGroupMembers(key: string, joinedBefore: number): Promise<string[]>
  /** See `GROUP_ADD`. */
  tschannelsGroupAdd(key: string, channel: string, score: number, expiryMs: number): Promise<number>
  /** See `PUBLISH_MANY`: the publishes packed by `packPublishes()`. */
  tschannelsPublish(packed: Buffer): Promise<number>
  /** See `GROUP_SEND`: `keys` then the arguments; returns the 1-based indexes of full keys. */
  tschannelsGroupSend(numberOfKeys: number, ...keysAndArgs: Arg[]): Promise<number[]>
  /** See `HISTORY_PUBLISH`: per publish, 0 or `{ epoch, offset }`. */
  tschannelsHistoryPublish(...args: Array<string | Buffer>): Promise<Array<0 | [string, number]>>
  /** See `HISTORY_APPEND`: `{ epoch, offset, members? }`. */
  tschannelsHistoryAppend(numberOfKeys: 2 | 3, ...keysAndArgs: Arg[]): Promise<[string, number, string[]?]>
  /** See `HISTORY_READ`, with the replies as Buffers. */
  tschannelsHistoryReadBuffer(
    meta: string,
    stream: string,
    newEpoch: string,
    ttlMs: number,
    sinceEpoch: string,
    sinceOffset: number,
    size: number,
  ): Promise<[Buffer, number, number, ...Buffer[]]>
  /** See `PRESENCE_PUT`. */
  tschannelsPresencePut(hash: string, expiries: string, ...args: Arg[]): Promise<number>
  /** See `PRESENCE_REMOVE`. */
  tschannelsPresenceRemove(hash: string, expiries: string, channel: string): Promise<string | null>
  /** See `PRESENCE_LIST`. */
  tschannelsPresenceList(hash: string, expiries: string): Promise<[string[], string[]]>
}

/** A pipeline on a connection with the scripts defined. @internal */
export type ScriptPipeline = ChainableCommander & {
  tschannelsGroupAdd(key: string, channel: string, score: number, expiryMs: number): ScriptPipeline
  tschannelsPresencePut(hash: string, expiries: string, ...args: Arg[]): ScriptPipeline
}

/**
 * Packs publishes for `PUBLISH_MANY`: `channelsAndPayloads` alternates
 * channel names and payloads.
 *
 * @internal
 */
export function packPublishes(channelsAndPayloads: ReadonlyArray<string | Buffer>): Buffer {
  let size = 0
  for (let at = 0; at < channelsAndPayloads.length; at += 2) {
    size +=
      8 +
      Buffer.byteLength(channelsAndPayloads[at] as string) +
      (channelsAndPayloads[at + 1] as Buffer).length
  }
  const packed = Buffer.allocUnsafe(size)
  let offset = 0
  for (let at = 0; at < channelsAndPayloads.length; at += 2) {
    const written = packed.write(channelsAndPayloads[at] as string, offset + 4)
    packed.writeUInt32BE(written, offset)
    offset += 4 + written
    const payload = channelsAndPayloads[at + 1] as Buffer
    packed.writeUInt32BE(payload.length, offset)
    payload.copy(packed, offset + 4)
    offset += 4 + payload.length
  }
  return packed
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
  client.defineCommand('tschannelsSendMany', { lua: SEND_MANY })
  client.defineCommand('tschannelsGroupMembers', { numberOfKeys: 1, lua: GROUP_MEMBERS })
  client.defineCommand('tschannelsGroupAdd', { numberOfKeys: 1, lua: GROUP_ADD })
  client.defineCommand('tschannelsGroupSend', { lua: GROUP_SEND })
  client.defineCommand('tschannelsPublish', { numberOfKeys: 0, lua: PUBLISH_MANY })
  client.defineCommand('tschannelsHistoryAppend', { lua: HISTORY_APPEND })
  client.defineCommand('tschannelsHistoryPublish', { numberOfKeys: 0, lua: HISTORY_PUBLISH })
  client.defineCommand('tschannelsHistoryRead', { numberOfKeys: 2, lua: HISTORY_READ })
  client.defineCommand('tschannelsPresencePut', { numberOfKeys: 2, lua: PRESENCE_PUT })
  client.defineCommand('tschannelsPresenceRemove', { numberOfKeys: 2, lua: PRESENCE_REMOVE })
  client.defineCommand('tschannelsPresenceList', { numberOfKeys: 2, lua: PRESENCE_LIST })
  return client as ScriptedRedis
}
