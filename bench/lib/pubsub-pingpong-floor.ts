/**
 * The ioredis floor under the pub/sub round-trip row of `npm run
 * bench:layers`: the same ping-pong protocol (20 pairs, each side awaits its
 * PUBLISH before it waits for the reply) written directly on ioredis, with
 * no channel layer, no message encoding and no channel bookkeeping. No layer
 * that publishes through ioredis can beat it; tschannels' pub/sub layer
 * publishes through a connection of its own once that is up, so "tschannels
 * at N % of the floor" above 100 % is what that connection buys.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import { Redis } from 'ioredis'

/**
 * Round trips per second of bare PUBLISH/PSUBSCRIBE ping-pong between two
 * "processes" (a publishing and a subscribed connection each).
 */
export async function pubsubPingPongFloor(
  url: string,
  pairs: number,
  warmupSeconds: number,
  seconds: number,
): Promise<number> {
  const prefix = `floor${randomUUID().slice(0, 8)}`
  const sides = ['a', 'b'].map((name) => new Side(url, `${prefix}.${name}.`))
  const [a, b] = sides as [Side, Side]
  try {
    await Promise.all(sides.map((side) => side.listen()))
    const payload = Buffer.alloc(48, 0x78)
    const phase = async (milliseconds: number): Promise<number> => {
      const deadline = performance.now() + milliseconds
      const counts = await Promise.all(
        Array.from({ length: pairs }, (_, pair) => [
          (async () => {
            let n = 0
            for (; performance.now() < deadline; n++) {
              await a.publish.publish(`${b.prefix}${pair}`, payload)
              await a.next(`${a.prefix}${pair}`)
            }
            await a.publish.publish(`${b.prefix}${pair}`, 'stop')
            return n
          })(),
          (async () => {
            while ((await b.next(`${b.prefix}${pair}`)).toString() !== 'stop')
              await b.publish.publish(`${a.prefix}${pair}`, payload)
            return 0
          })(),
        ]).flat(),
      )
      return counts.reduce((x, y) => x + y, 0)
    }
    await phase(warmupSeconds * 1000)
    const started = performance.now()
    const trips = await phase(seconds * 1000)
    return trips / ((performance.now() - started) / 1000)
  } finally {
    for (const side of sides) side.close()
  }
}

/** One "process": a connection to publish on, one pattern-subscribed to its own channels. */
class Side {
  readonly prefix: string
  readonly publish: Redis
  readonly #subscriber: Redis
  readonly #waiting = new Map<string, (message: Buffer) => void>()
  readonly #early = new Map<string, Buffer[]>()

  constructor(url: string, prefix: string) {
    this.prefix = prefix
    this.publish = new Redis(url)
    this.#subscriber = new Redis(url)
    this.#subscriber.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) => {
      const name = channel.toString()
      const waiter = this.#waiting.get(name)
      if (waiter === undefined) this.#early.set(name, [...(this.#early.get(name) ?? []), message])
      else {
        this.#waiting.delete(name)
        waiter(message)
      }
    })
  }

  async listen(): Promise<void> {
    await this.#subscriber.psubscribe(`${this.prefix}*`)
  }

  next(channel: string): Promise<Buffer> {
    const queued = this.#early.get(channel)?.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve) => this.#waiting.set(channel, resolve))
  }

  close(): void {
    this.publish.disconnect()
    this.#subscriber.disconnect()
  }
}
