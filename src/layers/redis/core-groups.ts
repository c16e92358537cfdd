/**
 * A core layer's groups: the sorted sets `<prefix>:group:<group>` in Redis,
 * and beside them the memberships of this process's own channels. That
 * record lets a `groupSend` during an outage reach the members in this
 * process, and puts the memberships back when Redis returns without them (a
 * restart without persistence; Python's `channels_redis` never restores
 * them), along with the `groupDiscard`s made while it was away.
 *
 * @module
 * @internal
 */

import type { RedisShard } from './connection.js'
import { LocalMembership } from './local-membership.js'
import { isConnectionError, rethrow } from './redis-errors.js'
import type { ScriptPipeline } from './scripts.js'

/**
 * The groups of one core layer.
 *
 * @internal
 */
export class CoreGroups {
  /** The memberships of this process's own channels. */
  readonly #local = new LocalMembership()
  /** `group\nchannel` pairs left while Redis was down, removed from Redis when it returns. */
  readonly #pendingLeaves = new Set<string>()
  readonly #prefix: string
  readonly #expiryMs: number
  readonly #shardFor: (name: string) => RedisShard

  constructor(prefix: string, groupExpiryMs: number, shardFor: (name: string) => RedisShard) {
    this.#prefix = prefix
    this.#expiryMs = groupExpiryMs
    this.#shardFor = shardFor
  }

  /**
   * Adds `channel` to `group` in Redis. A channel of this process (`own`)
   * stays a member during an outage and is registered when Redis returns.
   *
   * @throws LayerUnavailable for another process's channel while Redis is down.
   */
  async add(group: string, channel: string, own: boolean): Promise<void> {
    const now = Date.now()
    if (own) this.#local.add(group, channel, now)
    const shard = this.#shardFor(group)
    try {
      const client = await shard.ready()
      await shard.track(client.tschannelsGroupAdd(this.#key(group), channel, now / 1000, this.#expiryMs))
    } catch (error) {
      if (own && isConnectionError(error)) return
      rethrow(error, shard)
    }
  }

  /** Removes `channel` from `group`; `own`: it is (or was) a channel of this process. */
  async discard(group: string, channel: string, own: boolean): Promise<void> {
    const wasOwn = this.#local.remove(group, channel) || own
    await this.#leave([group], channel, wasOwn)
  }

  /** Takes a channel of this process out of every group it is in (its channel was discarded). */
  async discardChannel(channel: string): Promise<void> {
    await this.#leave(this.#local.removeChannel(channel), channel, true)
  }

  /**
   * The members of `group` that joined after `joinedAfter` (epoch ms), from
   * Redis; while Redis is down, the members in this process (a broadcast
   * must not fail a consumer; the rest of the group misses the message).
   */
  async members(group: string, joinedAfter: number): Promise<readonly string[]> {
    const shard = this.#shardFor(group)
    try {
      const client = shard.isUp ? shard.commands : await shard.ready()
      return await shard.track(client.tschannelsGroupMembers(this.#key(group), joinedAfter / 1000))
    } catch (error) {
      if (!isConnectionError(error)) throw error
      return this.#local.members(group, joinedAfter)
    }
  }

  /**
   * Puts this process's memberships back on a shard that returned, with
   * their original join time (so `groupExpiry` counts from the real
   * `groupAdd`), and applies the leaves made meanwhile.
   *
   * @returns how many memberships were registered again.
   */
  async restore(shard: RedisShard): Promise<number> {
    const pipeline = shard.commands.pipeline() as ScriptPipeline
    let memberships = 0
    const joinedAfter = Date.now() - this.#expiryMs
    for (const [group, channel, joinedAt] of this.#local.entries()) {
      if (this.#shardFor(group) !== shard || joinedAt <= joinedAfter) continue
      pipeline.tschannelsGroupAdd(this.#key(group), channel, joinedAt / 1000, this.#expiryMs)
      memberships++
    }
    for (const pair of this.#pendingLeaves) {
      const [group, channel] = pair.split('\n') as [string, string]
      if (this.#shardFor(group) !== shard) continue
      pipeline.zrem(this.#key(group), channel)
      this.#pendingLeaves.delete(pair)
    }
    await pipeline.exec().catch(() => undefined)
    return memberships
  }

  /** Forgets the memberships of this process (flush, close). */
  clear(): void {
    this.#local.clear()
    this.#pendingLeaves.clear()
  }

  /** Removes `channel` from `groups` in Redis; for a channel of this process, an outage defers it. */
  async #leave(groups: readonly string[], channel: string, own: boolean): Promise<void> {
    await Promise.all(
      groups.map(async (group) => {
        const shard = this.#shardFor(group)
        try {
          await (await shard.ready()).zrem(this.#key(group), channel)
        } catch (error) {
          if (!own || !isConnectionError(error)) throw error
          this.#pendingLeaves.add(`${group}\n${channel}`)
        }
      }),
    )
  }

  /** The Redis key of `group`'s sorted set. */
  key(group: string): string {
    return `${this.#prefix}:group:${group}`
  }

  #key(group: string): string {
    return this.key(group)
  }
}
