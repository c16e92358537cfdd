/**
 * The core layer's direct sends, gathered per shard for one tick and
 * written as one script call (`SEND_MANY`): a process that answers twenty
 * consumers in one tick makes one call, not twenty. What ioredis spends
 * per command is most of what a send costs this process (`npm run
 * bench:layers`, core round trips).
 *
 * Order: the sends of a tick run in the order they were made, before
 * anything the layer writes on the shard after `flush()`; the layer
 * flushes before a group send, so a message sent directly and one sent to
 * a group in the same tick reach a channel in that order.
 *
 * @module
 * @internal
 */

import type { RedisShard } from './connection.js'

/** One shard's sends of this tick. */
interface PendingSends {
  readonly shard: RedisShard
  keys: string[]
  /** Per send: expired-before score, capacity, score, member. */
  args: Array<number | Buffer>
  waiters: Array<(error: Error | undefined, queued: number) => void>
}

/**
 * The pending direct sends of one core layer.
 *
 * @internal
 */
export class CoreSends {
  readonly #expiryMs: number
  /** By shard index; `undefined` while the shard has nothing pending. */
  readonly #pending: Array<PendingSends | undefined> = []
  #scheduled = false
  /** Bound once: scheduled at most once per tick. */
  readonly #flushScheduled = (): void => {
    this.#scheduled = false
    this.flush()
  }

  /** @param expiryMs - how long a channel's queue lives after its last message. */
  constructor(expiryMs: number) {
    this.#expiryMs = expiryMs
  }

  /**
   * Queues `member` on the sorted set `key` of `shard`, with this tick's
   * other sends to that shard. The shard's command connection must be
   * ready (a send made while it is not fails with the connection's error).
   *
   * @returns 1 once queued, 0 when the channel was at `capacity` (-1: none).
   */
  add(
    shard: RedisShard,
    key: string,
    expiredBefore: number,
    capacity: number,
    score: number,
    member: Buffer,
  ): Promise<number> {
    let pending = this.#pending[shard.index]
    if (pending === undefined) {
      pending = { shard, keys: [], args: [], waiters: [] }
      this.#pending[shard.index] = pending
    }
    if (!this.#scheduled) {
      this.#scheduled = true
      process.nextTick(this.#flushScheduled)
    }
    pending.keys.push(key)
    pending.args.push(expiredBefore, capacity, score, member)
    return new Promise<number>((resolve, reject) => {
      pending.waiters.push((error, queued) => (error === undefined ? resolve(queued) : reject(error)))
    })
  }

  /** Writes every pending send now, one call per shard. */
  flush(): void {
    for (let index = 0; index < this.#pending.length; index++) {
      const pending = this.#pending[index]
      if (pending === undefined) continue
      this.#pending[index] = undefined
      this.#write(pending)
    }
  }

  #write({ shard, keys, args, waiters }: PendingSends): void {
    shard.track(shard.commands.tschannelsSendMany(keys.length, ...keys, this.#expiryMs, ...args)).then(
      (replies) => waiters.forEach((settle, index) => settle(undefined, replies[index]!)),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(`A send to Redis failed: ${String(error)}`)
        for (const settle of waiters) settle(failure, 0)
      },
    )
  }
}
