/**
 * A loop that takes messages off one channel key of one shard with blocking
 * pops and hands them over in batches: the single Redis reader behind all of
 * a process's local channels (one per key and shard), or behind a named
 * channel while someone receives on it.
 *
 * It pops with BZMPOP (Redis 7), which returns up to `count` messages in
 * one round trip, falling back to BZPOPMIN on older servers. It stops
 * promptly: `stop()` wakes the blocked pop with CLIENT UNBLOCK from the
 * command connection, so no message is taken after the reader was told to
 * stop (a message popped in that instant is handed over, and its owner may
 * put it back).
 *
 * @module
 * @internal
 */

import type { Redis } from 'ioredis'

import type { RedisShard } from './connection.js'

/** Seconds one blocking pop waits before the loop checks in again. */
const BLOCK_SECONDS = 5
/** Pause after a failed pop (an outage); the next pop waits in ioredis's offline queue anyway. */
const RETRY_DELAY_MS = 250
const UNBLOCK_RETRY_MS = 100

/** One popped message: its stored bytes and its score (send time, epoch seconds). @internal */
export type PoppedEntry = readonly [member: Buffer, score: number]

/** What a reader needs from its owner. @internal */
export interface QueueReaderOwner {
  /** How many messages to take at most in the next pop; 0 stops the reader. */
  wanted(): number
  /** Takes a batch; called synchronously with the reply. */
  take(entries: readonly PoppedEntry[], reader: QueueReader): void
}

/**
 * The blocking-pop loop for one key on one shard.
 *
 * @internal
 */
export class QueueReader {
  readonly shard: RedisShard
  readonly key: string
  readonly #owner: QueueReaderOwner
  #running: Promise<void> | undefined
  #stopping = false
  #clientId: number | undefined
  #useLegacyPop = false
  readonly #stopWaiters: Array<() => void> = []

  constructor(shard: RedisShard, key: string, owner: QueueReaderOwner) {
    this.shard = shard
    this.key = key
    this.#owner = owner
  }

  get running(): boolean {
    return this.#running !== undefined
  }

  /** Starts the loop unless it runs already; a `stop()` in progress is called off. */
  start(): void {
    this.#stopping = false
    for (const resolve of this.#stopWaiters.splice(0)) resolve()
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined
      for (const resolve of this.#stopWaiters.splice(0)) resolve()
    })
  }

  /** Stops the loop; resolves when it has ended (or `start()` called the stop off). */
  async stop(): Promise<void> {
    if (this.#running === undefined) return
    this.#stopping = true
    const stopped = new Promise<void>((resolve) => this.#stopWaiters.push(resolve))
    // The pop may reach Redis after the first UNBLOCK (two connections, no ordering), so repeat until it ends.
    const unblock = (): void => {
      const id = this.#clientId
      if (id !== undefined && this.shard.isUp)
        void this.shard.commands.client('UNBLOCK', id).catch(() => undefined)
    }
    unblock()
    const timer = setInterval(() => (this.#stopping ? unblock() : clearInterval(timer)), UNBLOCK_RETRY_MS)
    try {
      await stopped
    } finally {
      clearInterval(timer)
    }
  }

  async #loop(): Promise<void> {
    const client = this.shard.acquireBlocking()
    const forgetId = (): void => {
      this.#clientId = undefined
    }
    client.on('close', forgetId)
    try {
      for (;;) {
        const count = this.#stopping ? 0 : this.#owner.wanted()
        if (count <= 0) return
        try {
          this.#clientId ??= await client.client('ID')
          if (this.#stopping) return
          const entries = await this.#pop(client, count)
          if (entries.length > 0) this.#owner.take(entries, this)
        } catch (error) {
          if (this.#stopping || client.status === 'end') return
          if (!this.#useLegacyPop && isUnknownCommand(error)) {
            this.#useLegacyPop = true
            continue
          }
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS))
        }
      }
    } finally {
      client.off('close', forgetId)
      this.#clientId = undefined
      this.shard.releaseBlocking(client)
    }
  }

  async #pop(client: Redis, count: number): Promise<PoppedEntry[]> {
    if (this.#useLegacyPop) {
      const reply = (await client.callBuffer('BZPOPMIN', this.key, BLOCK_SECONDS)) as Buffer[] | null
      if (reply === null) return []
      return [[reply[1]!, Number(reply[2]!.toString())]]
    }
    const reply = (await client.callBuffer('BZMPOP', BLOCK_SECONDS, 1, this.key, 'MIN', 'COUNT', count)) as
      [Buffer, Array<[Buffer, Buffer]>] | null
    if (reply === null) return []
    return reply[1].map(([member, score]) => [member, Number(score.toString())] as const)
  }
}

function isUnknownCommand(error: unknown): boolean {
  return error instanceof Error && /unknown command/i.test(error.message)
}
