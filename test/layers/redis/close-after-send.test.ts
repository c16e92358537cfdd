/**
 * A layer closed right after `send()` must not fail that send. The calls
 * that run a Lua script are the hard case: on a Redis that does not hold the
 * script yet (just started or restarted, or after SCRIPT FLUSH), EVALSHA is
 * answered NOSCRIPT and the source follows as a second command, EVAL. A
 * QUIT sent by `close()` between the two would cut the EVAL off.
 */

import { Redis } from 'ioredis'
import { describe, expect, it, onTestFinished } from 'vitest'

import { LayerUnavailable } from '../../../src/errors.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import type { LayerMessage } from '../../../src/types.js'
import { PrivateRedis, redisServerSkipReason } from './redis-server.js'
import { closeAfterTest, uniquePrefix } from './redis-service.js'

const serverSkipReason = redisServerSkipReason()

type Layer = RedisChannelLayer | RedisPubSubChannelLayer

const receiveWithin = (layer: Layer, channel: string): Promise<LayerMessage> =>
  layer.receive(channel, { signal: AbortSignal.timeout(10_000) })

/** A Redis of the test's own: it starts without any script loaded. */
async function freshRedis(): Promise<PrivateRedis> {
  const redis = await PrivateRedis.start()
  onTestFinished(() => redis.kill())
  return redis
}

describe.skipIf(serverSkipReason !== undefined)('closing a Redis layer right after sends', () => {
  it('lets pub/sub sends of one tick arrive when Redis must first be given the publishing script', async () => {
    const redis = await freshRedis()
    const prefix = uniquePrefix('closesend')
    const sender = new RedisPubSubChannelLayer({ hosts: [redis.url], prefix })
    const receiver = new RedisPubSubChannelLayer({ hosts: [redis.url], prefix, capacity: 1_000 })
    closeAfterTest(sender, receiver)
    const channel = await receiver.newChannel()
    // The first send waits for the connection; the tick after it is one script call on that connection.
    await sender.send(channel, { type: 'first' })
    expect((await receiveWithin(receiver, channel)).type).toBe('first')
    const sends = Array.from({ length: 50 }, (_, n) => sender.send(channel, { type: 'last', n }))
    await sender.close()
    await expect(Promise.all(sends)).resolves.toHaveLength(50)
    for (let n = 0; n < 50; n++) expect((await receiveWithin(receiver, channel)).n).toBe(n)
  })

  it('lets core-layer sends arrive when Redis must first be given the send script', async () => {
    const redis = await freshRedis()
    const prefix = uniquePrefix('closesend')
    const sender = new RedisChannelLayer({ hosts: [redis.url], prefix })
    const receiver = new RedisChannelLayer({ hosts: [redis.url], prefix })
    closeAfterTest(sender, receiver)
    const channel = await receiver.newChannel()
    // Connected, and nothing run on the connection yet: the first SEND is answered NOSCRIPT.
    await sender.groupDiscard('warm-up', channel)
    const sends = Array.from({ length: 20 }, (_, n) => sender.send(channel, { type: 'last', n }))
    await sender.close()
    await expect(Promise.all(sends)).resolves.toHaveLength(20)
    const received = new Set<unknown>()
    for (let n = 0; n < 20; n++) received.add((await receiveWithin(receiver, channel)).n)
    expect(received.size).toBe(20)
  })
})

describe.skipIf(serverSkipReason !== undefined)('closing a Redis layer whose Redis stopped answering', () => {
  const closedWithin = async (layer: Layer, ms: number): Promise<string> => {
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still closing'), ms)))
    const outcome = await Promise.race([layer.close().then(() => 'closed'), waited])
    clearTimeout(timer)
    return outcome
  }

  for (const kind of ['core', 'pub/sub'] as const) {
    it(`finishes a ${kind} layer's close after its connect timeout, failing the sends still waiting`, async () => {
      const redis = await freshRedis()
      const prefix = uniquePrefix('closehung')
      const options = { hosts: [redis.url], prefix, connectTimeout: 0.3 }
      const sender = kind === 'core' ? new RedisChannelLayer(options) : new RedisPubSubChannelLayer(options)
      const receiver = kind === 'core' ? new RedisChannelLayer(options) : new RedisPubSubChannelLayer(options)
      closeAfterTest(sender, receiver)
      const channel = await receiver.newChannel()
      for (let n = 0; n < 3; n++) await sender.send(channel, { type: 'warm', n })
      const admin = new Redis(redis.url)
      onTestFinished(() => admin.disconnect())
      // Every client's commands wait unanswered for 8 s.
      await admin.call('CLIENT', 'PAUSE', '8000', 'ALL')
      const stuck = Array.from({ length: 5 }, (_, n) => sender.send(channel, { type: 'stuck', n }))
      const settled = Promise.allSettled(stuck)
      expect(await closedWithin(sender, 4_000)).toBe('closed')
      for (const outcome of await settled) {
        expect(outcome.status).toBe('rejected')
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(LayerUnavailable)
      }
    })
  }
})
