/**
 * The pub/sub layer sends the publishes of one tick as one script call,
 * packed into one argument (`packPublishes` in scripts.ts, unpacked by the
 * script in Redis). Whatever the payloads hold, each message must arrive
 * whole, on its own channel, in the order it was sent.
 */

import { describe, expect, it } from 'vitest'

import { RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import type { LayerMessage } from '../../../src/types.js'
import { REDIS_URL, closeAfterTest, redisSkipReason, uniquePrefix } from './redis-service.js'

const skipReason = await redisSkipReason()

/** Every byte value, so a length or an offset off by one shows as a wrong byte. */
const EVERY_BYTE = Uint8Array.from({ length: 256 }, (_, n) => n)

function payloadFor(n: number): LayerMessage {
  switch (n % 4) {
    case 0:
      return { type: 'batch.bytes', n, bytes: EVERY_BYTE }
    case 1:
      // Longer than 65,535 bytes: a length that needs more than two bytes.
      return { type: 'batch.long', n, text: 'é'.repeat(40_000) }
    case 2:
      return { type: 'batch.empty', n, text: '' }
    default:
      return { type: 'batch.mixed', n, list: [1, -2, 3.5, null, true, 'ü'], nested: { deep: ['x'] } }
  }
}

describe.skipIf(skipReason !== undefined)('the pub/sub layer publishing a tick at once', () => {
  it('delivers each message of one tick whole, on its channel, in the order sent', async () => {
    const prefix = uniquePrefix('batch')
    const sender = new RedisPubSubChannelLayer({ hosts: [REDIS_URL], prefix })
    const receiver = new RedisPubSubChannelLayer({ hosts: [REDIS_URL], prefix, capacity: 1_000 })
    closeAfterTest(sender, receiver)
    const channels = await Promise.all([
      receiver.newChannel(),
      receiver.newChannel('other'),
      receiver.newChannel(),
    ])
    // Connected first: the sends below then share one tick, and one call.
    await sender.send(channels[0], { type: 'warm-up' })
    expect((await receiver.receive(channels[0])).type).toBe('warm-up')

    const sends: Promise<void>[] = []
    for (let n = 0; n < 60; n++) sends.push(sender.send(channels[n % 3]!, payloadFor(n)))
    await Promise.all(sends)

    for (let n = 0; n < 60; n++) {
      const received = await receiver.receive(channels[n % 3]!, { signal: AbortSignal.timeout(10_000) })
      const expected = payloadFor(n)
      if ('bytes' in expected) {
        expect(Buffer.from(received.bytes as Uint8Array)).toEqual(Buffer.from(EVERY_BYTE))
        expect(received.n).toBe(n)
      } else {
        expect(received).toEqual(expected)
      }
    }
  })
})
