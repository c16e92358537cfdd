/**
 * The PUBLISHes a pub/sub layer makes in one tick on one shard, sent as one
 * script call when there are several. With many consumers answering at once,
 * ioredis's own cost per command (a Command, its promise, its encoding and
 * its reply) was most of what a `send()` cost; one call for the lot pays it
 * once. Subscribers, Python's included, see ordinary messages in the same
 * order: the script publishes them one after the other.
 *
 * @module
 * @internal
 */

import type { RedisShard } from './connection.js'
import { PUBLISH_MANY } from './scripts.js'

/**
 * Gathers the publishes of one tick on one shard.
 *
 * @internal
 */
export class PublishBatch {
  readonly #shard: RedisShard
  /** Channel and payload, alternating: the script's ARGV as it stands. */
  #args: Array<string | Buffer> = []
  #settlers: Array<(error?: unknown) => void> = []
  /** Bound once: scheduled at most once per tick. */
  readonly #flush = (): void => this.#send()

  constructor(shard: RedisShard) {
    this.#shard = shard
  }

  /**
   * Publishes `payload` to `channel`; resolves once Redis has done it.
   *
   * @throws whatever the shard throws when it is unreachable (the caller maps it).
   */
  publish(channel: string, payload: Buffer): Promise<void> {
    // Before the first connection (or during an outage), the shard decides what happens.
    if (!this.#shard.isUp)
      return this.#shard.ready().then((client) => client.publish(channel, payload).then(noop))
    if (this.#settlers.length === 0) process.nextTick(this.#flush)
    this.#args.push(channel, payload)
    return new Promise<void>((resolve, reject) => {
      this.#settlers.push((error) => (error === undefined ? resolve() : reject(asError(error))))
    })
  }

  #send(): void {
    const args = this.#args
    const settlers = this.#settlers
    this.#args = []
    this.#settlers = []
    const done = (): void => {
      for (const settle of settlers) settle()
    }
    const failed = (error: unknown): void => {
      for (const settle of settlers) settle(error ?? new Error('PUBLISH failed'))
    }
    const client = this.#shard.batch()
    if (client === undefined) return failed(this.#shard.unavailable())
    // One message costs less as a plain PUBLISH than as a script call.
    const sent =
      settlers.length === 1 ? client.publish(args[0] as string, args[1]!) : PUBLISH_MANY.run(client, [], args)
    sent.then(done, failed)
  }
}

function noop(): void {}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
