/**
 * The Lua scripts of group history and presence: what the layers keep in
 * Redis beside the messages. `scripts.ts` defines them on each connection.
 *
 * @module
 * @internal
 */

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
export const HISTORY_APPEND = `${HISTORY_HEAD}
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
export const HISTORY_READ = `${HISTORY_HEAD}
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
export const HISTORY_PUBLISH = `
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
export const PRESENCE_PUT = `
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
export const PRESENCE_REMOVE = `
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
export const PRESENCE_LIST = `
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
