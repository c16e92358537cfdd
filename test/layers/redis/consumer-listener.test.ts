/**
 * Consumers on the Redis layers take their own channel's messages through a
 * listener (no `receive()` promise per message), as on the in-memory layer;
 * a named channel on the core layer, shared between processes, stays on
 * `receive()`. These check what a consumer sees either way.
 */

import { afterEach, describe, expect, it } from 'vitest'

import { JsonWebsocketConsumer } from '../../../src/consumers/json-websocket-consumer.js'
import type { ChannelLayer } from '../../../src/layers/channel-layer.js'
import { isListenable } from '../../../src/layers/channel-listener.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import { configureChannelLayers, resetChannelLayers } from '../../../src/layers/registry.js'
import { WebsocketCommunicator } from '../../../src/testing/index.js'
import type { LayerMessage } from '../../../src/types.js'
import { REDIS_URL, redisSkipReason, uniquePrefix } from './redis-service.js'

const skipReason = await redisSkipReason()

// Room for every message of a burst: the default capacity (100) would drop some, by design.
const LAYERS = {
  RedisChannelLayer: (prefix: string): ChannelLayer =>
    new RedisChannelLayer({ hosts: [REDIS_URL], prefix, capacity: 1000 }),
  RedisPubSubChannelLayer: (prefix: string): ChannelLayer =>
    new RedisPubSubChannelLayer({ hosts: [REDIS_URL], prefix, capacity: 1000 }),
}

/** Joins `room`; echoes each `room.message` and, for `relay`, sends itself a `room.echo` first. */
class RoomConsumer extends JsonWebsocketConsumer {
  override async connect(): Promise<void> {
    await this.channelLayer.groupAdd('room', this.channelName)
    await this.accept()
  }

  override async disconnect(): Promise<void> {
    await this.channelLayer.groupDiscard('room', this.channelName)
  }

  async roomMessage(message: LayerMessage): Promise<void> {
    // A send to its own channel while handling: delivered after this handler, in order.
    if (message.relay === true)
      await this.channelLayer.send(this.channelName, { type: 'room.echo', n: message.n })
    await this.sendJson({ n: message.n })
  }

  async roomEcho(message: LayerMessage): Promise<void> {
    await this.sendJson({ echo: message.n })
  }
}

afterEach(async () => {
  await resetChannelLayers()
})

if (skipReason !== undefined)
  describe.skip(`consumers on the Redis layers (skipped: ${skipReason})`, () => {})

describe.skipIf(skipReason !== undefined).each(Object.entries(LAYERS))(
  'a consumer on %s',
  (_name, create) => {
    it('listens on its own channel; the core layer leaves named channels to receive()', () => {
      const layer = create(uniquePrefix('listen'))
      expect(isListenable(layer, 'specific.abc!def')).toBe(true)
      expect(isListenable(layer, 'thumbnails')).toBe(layer instanceof RedisPubSubChannelLayer)
      void layer.close()
    })

    it('gets every group message from another process, in order, and its own relays after each', async () => {
      const prefix = uniquePrefix('listen')
      const layer = create(prefix)
      const other = create(prefix)
      configureChannelLayers({ default: layer })
      const communicator = new WebsocketCommunicator(RoomConsumer.asApp(), '/ws/')
      try {
        expect((await communicator.connect()).connected).toBe(true)
        const count = 200
        // Sent without waiting for each, so the reader hands several over in one batch.
        await Promise.all(
          Array.from({ length: count }, (_, n) =>
            other.groupSend('room', { type: 'room.message', n, relay: n % 50 === 0 }),
          ),
        )
        const frames: unknown[] = []
        for (let i = 0; i < count + count / 50; i++) frames.push(await communicator.receiveJsonFrom(5000))
        const numbers = frames
          .filter((frame) => 'n' in (frame as object))
          .map((frame) => (frame as { n: number }).n)
        expect(numbers).toEqual(Array.from({ length: count }, (_, n) => n))
        const echoes = frames.filter((frame) => 'echo' in (frame as object))
        expect(echoes).toEqual([0, 50, 100, 150].map((n) => ({ echo: n })))
        expect(await communicator.receiveNothing(100)).toBe(true)
      } finally {
        await communicator.disconnect()
        await other.close()
      }
    })

    it('stops listening when the consumer ends: later group messages go nowhere and nothing is left open', async () => {
      const prefix = uniquePrefix('listen')
      const layer = create(prefix)
      const other = create(prefix)
      configureChannelLayers({ default: layer })
      const first = new WebsocketCommunicator(RoomConsumer.asApp(), '/ws/')
      const second = new WebsocketCommunicator(RoomConsumer.asApp(), '/ws/')
      try {
        expect((await first.connect()).connected).toBe(true)
        expect((await second.connect()).connected).toBe(true)
        await first.disconnect()
        await other.groupSend('room', { type: 'room.message', n: 1 })
        expect(await second.receiveJsonFrom(5000)).toEqual({ n: 1 })
        expect(await first.receiveNothing(100)).toBe(true)
      } finally {
        await second.disconnect()
        await other.close()
      }
    })
  },
)
