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

/**
 * The start of both history scripts: the group's epoch and last offset from
 * its meta hash, a new epoch (ARGV[1]) when the history was lost (the meta
 * hash expired or Redis lost it, or the stream is gone while the meta says
 * it held messages), with the offset back at 0. KEYS[1] meta hash, KEYS[2]
 * stream; ARGV[2] the history's time to live in ms.
 */
const HISTORY_HEAD = `
local head = redis.call('HMGET', KEYS[1], 'epoch', 'offset')
local epoch = head[1]
local top = tonumber(head[2] or '0')
if not epoch or (top > 0 and redis.call('EXISTS', KEYS[2]) == 0) then
  epoch = ARGV[1]
  top = 0
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
`

/**
 * Appends a message to a group's history: the next offset, the stored
 * message in the stream under ID `<offset>-0` (about ARGV[3] kept: Redis
 * trims whole nodes, and reads hold to the size exactly), both
 * keys' expiry renewed. KEYS[3], when given, is the group's sorted set: its
 * members are read in the same step (ARGV[5]: joined-before score), so a
 * channel that joins is either among them or finds the message in the
 * history when it reads it. ARGV[4] the stored message. Returns
 * `{ epoch, offset, members? }`.
 */
const HISTORY_APPEND = `${HISTORY_HEAD}
local offset = top + 1
local id = string.format('%d-0', offset)
redis.call('HSET', KEYS[1], 'offset', offset)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id, 'm', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if #KEYS < 3 then return {epoch, offset} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[5])
return {epoch, offset, redis.call('ZRANGE', KEYS[3], 0, -1)}
`

/**
 * Reads a group's history after a position. ARGV[3] the position's epoch
 * ('' for none), ARGV[4] its offset, ARGV[5] the history's size. Returns `{ epoch, offset, recovered,
 * message… }`: recovered is 1 when every message after the position is
 * there (then they follow, oldest first), else 0.
 */
const HISTORY_READ = `${HISTORY_HEAD}
if ARGV[3] == '' or ARGV[3] ~= epoch then return {epoch, top, 0} end
local since = tonumber(ARGV[4])
if since > top then return {epoch, top, 0} end
if since == top then return {epoch, top, 1} end
-- Trimming is approximate (cheaper); the size is kept exactly here.
if top - since > tonumber(ARGV[5]) then return {epoch, top, 0} end
local entries = redis.call('XRANGE', KEYS[2], string.format('%d-0', since + 1), '+')
if #entries == 0 or entries[1][1] ~= string.format('%d-0', since + 1) then return {epoch, top, 0} end
local reply = {epoch, top, 1}
for i = 1, #entries do reply[i + 3] = entries[i][2][2] end
return reply
`

/**
 * The publishes of one tick when some of them go to groups with history,
 * in order. ARGV: for each, 'p', channel, payload (a plain PUBLISH) or 'h',
 * channel, payload, meta key, stream key, new epoch, ttl in ms, size: the
 * message is appended to the history (as HISTORY_APPEND) and published.
 * Such a payload is msgpack ending with its position, `epoch` (12
 * characters) then `offset` (a float64): the script writes the real ones in
 * their place, so the message is published, and stored, carrying them.
 * Returns, per publish, 0 or `{ epoch, offset }`. The keys are named in
 * ARGV, as the pub/sub layer runs on standalone Redis.
 */
const HISTORY_PUBLISH = `
local out = {}
local i = 1
while i <= #ARGV do
  if ARGV[i] == 'p' then
    redis.call('PUBLISH', ARGV[i + 1], ARGV[i + 2])
    out[#out + 1] = 0
    i = i + 3
  else
    local meta, stream, ttl = ARGV[i + 3], ARGV[i + 4], ARGV[i + 6]
    local head = redis.call('HMGET', meta, 'epoch', 'offset')
    local epoch = head[1]
    local top = tonumber(head[2] or '0')
    if not epoch or #epoch ~= 12 or (top > 0 and redis.call('EXISTS', stream) == 0) then
      epoch = ARGV[i + 5]
      top = 0
      redis.call('DEL', stream)
    end
    local offset = top + 1
    local payload = ARGV[i + 2]
    local n = #payload
    payload = string.sub(payload, 1, n - 28) .. epoch .. string.sub(payload, n - 15, n - 8) .. struct.pack('>d', offset)
    redis.call('HSET', meta, 'epoch', epoch, 'offset', offset)
    redis.call('XADD', stream, 'MAXLEN', '~', ARGV[i + 7], string.format('%d-0', offset), 'm', payload)
    redis.call('PEXPIRE', meta, ttl)
    redis.call('PEXPIRE', stream, ttl)
    redis.call('PUBLISH', ARGV[i + 1], payload)
    out[#out + 1] = {epoch, offset}
    i = i + 8
  end
end
return out
`

/**
 * Marks channels present in one group: KEYS[1] hash channel → info,
 * KEYS[2] sorted set channel → expiry (ms on Redis's clock, so hosts with
 * skewed clocks agree); ARGV: entry ttl in ms, key ttl in ms, then channel,
 * info pairs.
 */
const PRESENCE_PUT = `
local time = redis.call('TIME')
local expires = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], expires, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`

/**
 * Removes one channel from a group's presence. KEYS as PRESENCE_PUT;
 * ARGV[1] the channel. Returns its info, or false when it was not there.
 */
const PRESENCE_REMOVE = `
local info = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return info
`

/**
 * A group's presence: drops the entries whose expiry has passed (on
 * Redis's clock), then returns `{ removed: {channel, info, …}, present:
 * {channel, info, …} }`.
 */
const PRESENCE_LIST = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
local removed = {}
for i = 1, #stale do
  local info = redis.call('HGET', KEYS[1], stale[i])
  if info then
    removed[#removed + 1] = stale[i]
    removed[#removed + 1] = info
  end
  redis.call('HDEL', KEYS[1], stale[i])
  redis.call('ZREM', KEYS[2], stale[i])
end
return {removed, redis.call('HGETALL', KEYS[1])}
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
  client.defineCommand('tschannelsSend', { numberOfKeys: 1, lua: SEND })
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
