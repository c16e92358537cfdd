import { afterEach, describe, expect, it, onTestFinished } from 'vitest'

import { Consumer } from '../../../src/consumers/consumer.js'
import { WebsocketConsumer } from '../../../src/consumers/websocket-consumer.js'
import { LayerUnavailable } from '../../../src/errors.js'
import { configureChannelLayers, resetChannelLayers } from '../../../src/layers/registry.js'
import { WebsocketCommunicator } from '../../../src/testing/index.js'
import type { ChannelLayer } from '../../../src/layers/channel-layer.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import type { LayerMessage } from '../../../src/types.js'
import { PrivateRedis, redisServerSkipReason } from './redis-server.js'

const skipReason = redisServerSkipReason()

const LAYERS = {
  RedisChannelLayer: (url: string): ChannelLayer => new RedisChannelLayer({ hosts: [url], prefix: 'outage' }),
  RedisPubSubChannelLayer: (url: string): ChannelLayer =>
    new RedisPubSubChannelLayer({ hosts: [url], prefix: 'outage' }),
}

/** Collects the tschannels warnings emitted during a test. */
function collectWarnings(): Array<{ code: string; message: string }> {
  const warnings: Array<{ code: string; message: string }> = []
  const listener = (warning: Error & { code?: string }): void => {
    if (warning.name === 'TschannelsWarning')
      warnings.push({ code: warning.code ?? '', message: warning.message })
  }
  process.on('warning', listener)
  onTestFinished(() => void process.off('warning', listener))
  return warnings
}

const receiveWithin = (layer: ChannelLayer, channel: string, ms = 10_000): Promise<LayerMessage> =>
  layer.receive(channel, { signal: AbortSignal.timeout(ms) })

/** Receives until a message of `type` arrives, skipping others (such as the reconnect event). */
async function receiveType(layer: ChannelLayer, channel: string, type: string): Promise<LayerMessage> {
  for (;;) {
    const message = await receiveWithin(layer, channel)
    if (message.type === type) return message
  }
}

afterEach(async () => {
  // Lets ioredis's error events of the killed server settle before the next test.
  await new Promise((resolve) => setTimeout(resolve, 50))
})

describe.skipIf(skipReason !== undefined)('Redis restart during traffic', () => {
  for (const [name, newLayer] of Object.entries(LAYERS)) {
    describe(name, () => {
      it('keeps local traffic flowing, warns once, then restores memberships and delivers layer.reconnected', async () => {
        const redis = await PrivateRedis.start()
        onTestFinished(() => redis.kill())
        const warnings = collectWarnings()
        // Two layers stand for two processes sharing one Redis.
        const here = newLayer(redis.url)
        const there = newLayer(redis.url)
        onTestFinished(async () => {
          await here.close()
          await there.close()
        })
        const mine = await here.newChannel()
        const theirs = await there.newChannel()
        await here.groupAdd('room', mine)
        await there.groupAdd('room', theirs)
        await there.groupSend('room', { type: 'chat.message', n: 1 })
        expect(await receiveWithin(here, mine)).toEqual({ type: 'chat.message', n: 1 })
        expect(await receiveWithin(there, theirs)).toEqual({ type: 'chat.message', n: 1 })

        await redis.kill()
        await new Promise((resolve) => setTimeout(resolve, 200))

        // Local traffic goes on: the members in this process still get group messages and direct sends.
        for (let n = 2; n < 12; n++) await here.groupSend('room', { type: 'chat.message', n })
        await here.send(mine, { type: 'chat.direct' })
        for (let n = 2; n < 12; n++)
          expect(await receiveWithin(here, mine)).toEqual({ type: 'chat.message', n })
        expect(await receiveWithin(here, mine)).toEqual({ type: 'chat.direct' })
        await expect(here.send(theirs, { type: 'chat.lost' })).rejects.toBeInstanceOf(LayerUnavailable)
        // One warning per outage and layer, not one per message.
        const lost = warnings.filter((w) => w.code === 'CHANNELS_WRN_040')
        expect(lost.length).toBeGreaterThanOrEqual(1)
        expect(lost.length).toBeLessThanOrEqual(2)

        await redis.start()
        expect(await receiveType(here, mine, 'layer.reconnected')).toEqual({ type: 'layer.reconnected' })
        expect(await receiveType(there, theirs, 'layer.reconnected')).toEqual({ type: 'layer.reconnected' })
        expect(warnings.some((w) => w.code === 'CHANNELS_WRN_041')).toBe(true)

        // The restarted Redis forgot the group; both processes put their members back.
        await there.groupSend('room', { type: 'chat.message', n: 100 })
        expect(await receiveType(here, mine, 'chat.message')).toEqual({ type: 'chat.message', n: 100 })
        expect(await receiveType(there, theirs, 'chat.message')).toEqual({ type: 'chat.message', n: 100 })
        await here.send(theirs, { type: 'chat.direct', from: 'here' })
        expect(await receiveType(there, theirs, 'chat.direct')).toEqual({ type: 'chat.direct', from: 'here' })
      })
    })
  }
})

if (skipReason !== undefined) describe.skip(`Redis restart (skipped: ${skipReason})`, () => {})

describe.skipIf(skipReason !== undefined)('a consumer across a Redis restart', () => {
  // Needs the base Consumer's default no-op layerReconnected() (see docs/layers.md, "Outages").
  const hasDefault = typeof Reflect.get(Consumer.prototype, 'layerReconnected') === 'function'

  it.skipIf(!hasDefault)('survives layer.reconnected without a handler and keeps its group', async () => {
    const redis = await PrivateRedis.start()
    onTestFinished(() => redis.kill())
    collectWarnings()
    const layer = new RedisChannelLayer({ hosts: [redis.url], prefix: 'consumer' })
    const other = new RedisChannelLayer({ hosts: [redis.url], prefix: 'consumer' })
    configureChannelLayers({ default: layer })
    onTestFinished(async () => {
      await resetChannelLayers()
      await other.close()
    })
    class RoomConsumer extends WebsocketConsumer {
      override async connect(): Promise<void> {
        await this.channelLayer.groupAdd('room', this.channelName)
        await this.accept()
      }
      async chatMessage(message: LayerMessage): Promise<void> {
        await this.send({ text: String(message.text) })
      }
    }
    const communicator = new WebsocketCommunicator(RoomConsumer.asApp(), '/ws/')
    expect((await communicator.connect()).connected).toBe(true)
    await redis.kill()
    await new Promise((resolve) => setTimeout(resolve, 200))
    await redis.start()
    // The other process's groupSend reaches the consumer once its membership is back.
    let text: string | Uint8Array | undefined
    for (let attempt = 0; attempt < 50 && text === undefined; attempt++) {
      await other.groupSend('room', { type: 'chat.message', text: 'after' }).catch(() => undefined)
      text = await communicator.receiveFrom(200).catch(() => undefined)
    }
    expect(text).toBe('after')
    await communicator.disconnect()
  })
})
