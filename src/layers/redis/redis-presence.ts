/**
 * Presence on Redis, for both Redis layers: per group, a hash
 * `<prefix>:presence:<group>` of channel → info (JSON) and a sorted set
 * `<prefix>:presence-expiry:<group>` of channel → when the entry lapses.
 * Each process renews its own entries every third of `presenceTtl` (which
 * also puts them back after Redis lost them), and while doing so drops the
 * lapsed entries of the groups it is present in, sending `presence.leave`
 * for them: the entries of a process that died are gone within the TTL.
 *
 * @module
 * @internal
 */

import { requireValidChannelName, requireValidGroupName } from '../layer-checks.js'
import type { LayerPresence, PresenceEntry, PresenceEvent, PresenceInfo } from '../presence.js'
import { requirePresenceInfo } from '../presence.js'
import type { RedisShard } from './connection.js'
import { isConnectionError } from './redis-errors.js'
import type { ScriptPipeline } from './scripts.js'

/** What presence needs from its layer. @internal */
export interface PresenceHost {
  readonly prefix: string
  readonly ttlMs: number
  shardFor(name: string): RedisShard
  /** Sends a presence event to the group's members, without history. */
  announce(group: string, event: PresenceEvent): Promise<void>
  assertOpen(method: string): void
}

/**
 * The presence of one Redis layer.
 *
 * @internal
 */
export class RedisPresence implements LayerPresence {
  readonly #host: PresenceHost
  /** This process's entries: group → channel → info, renewed by the heartbeat. */
  readonly #own = new Map<string, Map<string, PresenceInfo>>()
  #timer: NodeJS.Timeout | undefined

  constructor(host: PresenceHost) {
    this.#host = host
  }

  async join(group: string, channel: string, info: PresenceInfo): Promise<void> {
    this.#host.assertOpen('presence.join')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    requirePresenceInfo(info)
    const json = JSON.stringify(info)
    let entries = this.#own.get(group)
    if (entries === undefined) this.#own.set(group, (entries = new Map<string, PresenceInfo>()))
    entries.set(channel, JSON.parse(json) as PresenceInfo)
    this.#startHeartbeat()
    const shard = this.#host.shardFor(group)
    const client = await shard.ready()
    await shard.track(
      client.tschannelsPresencePut(...this.#keys(group), ...this.#expiryArgs(), channel, json),
    )
    await this.#host.announce(group, { type: 'presence.join', group, channel, info })
  }

  async leave(group: string, channel: string): Promise<void> {
    this.#host.assertOpen('presence.leave')
    requireValidGroupName(group)
    requireValidChannelName(channel)
    await this.#remove(group, channel)
  }

  async list(group: string): Promise<PresenceEntry[]> {
    this.#host.assertOpen('presence.list')
    requireValidGroupName(group)
    const present = await this.#sweep(group)
    const entries: PresenceEntry[] = []
    for (let index = 0; index < present.length; index += 2) {
      const info = parseInfo(present[index + 1]!)
      if (info !== undefined) entries.push({ channel: present[index]!, info })
    }
    return entries
  }

  /** Takes a discarded channel of this process out of every group's presence. */
  async dropChannel(channel: string): Promise<void> {
    const groups = [...this.#own].filter(([, entries]) => entries.has(channel)).map(([group]) => group)
    await Promise.all(groups.map((group) => this.#remove(group, channel).catch(() => undefined)))
  }

  /**
   * Renews this process's entries, putting back those Redis lost, and drops
   * the lapsed entries of the groups it is present in (a dead process's),
   * announcing them. Runs every third of the TTL, and when Redis returns.
   */
  async heartbeat(): Promise<void> {
    if (this.#own.size === 0) {
      clearInterval(this.#timer)
      this.#timer = undefined
      return
    }
    const byShard = new Map<RedisShard, ScriptPipeline>()
    const [entryTtl, keyTtl] = this.#expiryArgs()
    for (const [group, entries] of this.#own) {
      const shard = this.#host.shardFor(group)
      if (!shard.isUp) continue
      let pipeline = byShard.get(shard)
      if (pipeline === undefined) byShard.set(shard, (pipeline = shard.commands.pipeline() as ScriptPipeline))
      const pairs = [...entries].flatMap(([channel, info]) => [channel, JSON.stringify(info)])
      pipeline.tschannelsPresencePut(...this.#keys(group), entryTtl, keyTtl, ...pairs)
    }
    await Promise.all([...byShard.values()].map((pipeline) => pipeline.exec().catch(() => undefined)))
    await Promise.all([...this.#own.keys()].map((group) => this.#sweep(group).catch(() => undefined)))
  }

  /** Stops the heartbeat and removes this process's entries (best effort: the TTL covers the rest). */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    const removals: Array<Promise<unknown>> = []
    for (const [group, entries] of this.#own) {
      const shard = this.#host.shardFor(group)
      if (!shard.isUp) continue
      for (const channel of entries.keys()) {
        removals.push(
          shard
            .track(shard.commands.tschannelsPresenceRemove(...this.#keys(group), channel))
            .catch(() => undefined),
        )
      }
    }
    this.#own.clear()
    await Promise.all(removals)
  }

  /** Forgets this process's entries without touching Redis (flush deleted the keys). */
  clear(): void {
    this.#own.clear()
  }

  async #remove(group: string, channel: string): Promise<void> {
    const entries = this.#own.get(group)
    entries?.delete(channel)
    if (entries?.size === 0) this.#own.delete(group)
    const shard = this.#host.shardFor(group)
    const client = await shard.ready()
    const stored = await shard.track(client.tschannelsPresenceRemove(...this.#keys(group), channel))
    if (stored === null) return
    const info = parseInfo(stored) ?? {}
    await this.#host.announce(group, { type: 'presence.leave', group, channel, info })
  }

  /** Drops `group`'s lapsed entries, announcing each; returns the rest as channel, info pairs. */
  async #sweep(group: string): Promise<string[]> {
    const shard = this.#host.shardFor(group)
    const client = await shard.ready()
    const [removed, present] = await shard.track(client.tschannelsPresenceList(...this.#keys(group)))
    for (let index = 0; index < removed.length; index += 2) {
      const event: PresenceEvent = {
        type: 'presence.leave',
        group,
        channel: removed[index]!,
        info: parseInfo(removed[index + 1]!) ?? {},
      }
      await this.#host.announce(group, event).catch((error: unknown) => {
        if (!isConnectionError(error)) throw error
      })
    }
    return present
  }

  #startHeartbeat(): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(
      () => void this.heartbeat().catch(() => undefined),
      Math.max(10, this.#host.ttlMs / 3),
    )
    // A process's presence must not keep it alive.
    this.#timer.unref()
  }

  #expiryArgs(): [entryTtlMs: number, keyTtlMs: number] {
    // The keys outlive their entries, so a group whose processes all died still disappears.
    return [this.#host.ttlMs, this.#host.ttlMs * 2]
  }

  #keys(group: string): [hash: string, expiries: string] {
    return [`${this.#host.prefix}:presence:${group}`, `${this.#host.prefix}:presence-expiry:${group}`]
  }
}

function parseInfo(json: string): PresenceInfo | undefined {
  try {
    const info: unknown = JSON.parse(json)
    return typeof info === 'object' && info !== null && !Array.isArray(info)
      ? (info as PresenceInfo)
      : undefined
  } catch {
    return undefined
  }
}
