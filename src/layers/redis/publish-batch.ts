/**
 * The PUBLISHes a pub/sub layer makes in one tick on one shard, sent in one
 * write: through the shard's publish-only connection when it is ready
 * (`FastPublisher`), else through ioredis as one script call. With many
 * consumers answering at once, ioredis's own cost per command (a Command, its
 * promise, its encoding and its reply) was most of what a `send()` cost.
 * Subscribers, Python's included, see ordinary messages in the same order
 * either way.
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
  /**
   * Publishes sent through ioredis and not answered yet. The fast publisher
   * is another connection: switching to it while these are on their way could
   * let Redis run a later publish first.
   */
  #slowInFlight = 0
  /** Bound once: scheduled at most once per tick. */
  readonly #flush = (): void => this.#send()
  readonly #slowDone = (): void => {
    this.#slowInFlight--
  }

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
    if (!this.#shard.isUp) {
      this.#slowInFlight++
      const sent = this.#shard.ready().then((client) => client.publish(channel, payload).then(noop))
      sent.then(this.#slowDone, this.#slowDone)
      return sent
    }
    if (this.#settlers.length === 0) process.nextTick(this.#flush)
    this.#args.push(channel, payload)
    return new Promise<void>((resolve, reject) => {
      this.#settlers.push((error) => (error === undefined ? resolve() : reject(asError(error))))
    })
  }

  /** Sends what this tick gathered now, before the connections close. */
  flushNow(): void {
    this.#send()
  }

  #send(): void {
    const args = this.#args
    const settlers = this.#settlers
    // Already sent by flushNow() when the tick's scheduled flush comes.
    if (settlers.length === 0) return
    this.#args = []
    this.#settlers = []
    const publisher = this.#slowInFlight === 0 ? this.#shard.publisher() : undefined
    if (publisher !== undefined) return publisher.publish(args, settlers)
    const done = (): void => {
      this.#slowInFlight--
      for (const settle of settlers) settle()
    }
    const failed = (error: unknown): void => {
      this.#slowInFlight--
      for (const settle of settlers) settle(error ?? new Error('PUBLISH failed'))
    }
    const client = this.#shard.batch()
    if (client === undefined) {
      for (const settle of settlers) settle(this.#shard.unavailable())
      return
    }
    this.#slowInFlight++
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
