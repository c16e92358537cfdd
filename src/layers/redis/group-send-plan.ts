/**
 * How a core-layer `groupSend` splits a group's members: the members in
 * this process get the message at once, without Redis; the others are
 * grouped by the Redis key they read (one per process for process-local
 * channels, whose name says which process) and the keys by shard, so the
 * send is one script call per shard carrying one message per process.
 *
 * @module
 * @internal
 */

import { nonLocalName } from '../layer-checks.js'
import { consistentHash } from './consistent-hash.js'

/** The keys of one shard a group send writes to. @internal */
export interface ShardBatch {
  keys: string[]
  /** For each key, the member channels it carries the message for. */
  channels: string[][]
}

/** A group's members, split. @internal */
export interface GroupSendPlan {
  /** Members whose channel is open in this process. */
  local: string[]
  /** Shard index → its keys. */
  remote: Map<number, ShardBatch>
}

/**
 * Splits `members` into local ones and per-shard keys.
 *
 * @param isLocal - Whether a channel is open in this process.
 * @internal
 */
export function planGroupSend(
  members: readonly string[],
  isLocal: (channel: string) => boolean,
  prefix: string,
  ringSize: number,
): GroupSendPlan {
  const local: string[] = []
  const byKey = new Map<string, string[]>()
  for (const channel of members) {
    if (isLocal(channel)) local.push(channel)
    else {
      const routing = nonLocalName(channel)
      const list = byKey.get(routing)
      if (list === undefined) byKey.set(routing, [channel])
      else list.push(channel)
    }
  }
  const remote = new Map<number, ShardBatch>()
  for (const [routing, channels] of byKey) {
    const index = consistentHash(routing, ringSize)
    let batch = remote.get(index)
    if (batch === undefined) remote.set(index, (batch = { keys: [], channels: [] }))
    batch.keys.push(prefix + routing)
    batch.channels.push(channels)
  }
  return { local, remote }
}
