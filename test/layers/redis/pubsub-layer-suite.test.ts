import { describe } from 'vitest'

import { RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import { runLayerSuite } from '../layer-suite.js'
import { REDIS_URL, redisSkipReason, uniquePrefix } from './redis-service.js'

const skipReason = await redisSkipReason()

/**
 * Pub/sub stores nothing: a message published while no process subscribes
 * to its channel is gone, exactly as in channels_redis.pubsub. These tests
 * send to a named channel before anything receives on it.
 */
const NOBODY_LISTENS = 'pub/sub delivers only to processes already subscribed, and nobody receives yet'
const SKIPS = {
  'delivers the messages of one channel in the order they were sent': NOBODY_LISTENS,
  'messages with nested objects, arrays and bytes arrive intact': `${NOBODY_LISTENS}; covered in pubsub-layer.test.ts`,
  'send throws ChannelFull naming the channel once it holds capacity messages': NOBODY_LISTENS,
  'a receive makes room for another send': NOBODY_LISTENS,
  'channelCapacity glob patterns override the capacity of matching channels': NOBODY_LISTENS,
  'channelCapacity takes [RegExp, capacity] pairs and the first match wins': NOBODY_LISTENS,
  'a message older than expiry is never delivered': NOBODY_LISTENS,
  'an expired message no longer counts against capacity': NOBODY_LISTENS,
}

describe.skipIf(skipReason !== undefined)(`RedisPubSubChannelLayer on ${REDIS_URL}`, () => {
  runLayerSuite('RedisPubSubChannelLayer', {
    newLayer: (options) =>
      new RedisPubSubChannelLayer({ ...options, hosts: [REDIS_URL], prefix: uniquePrefix() }),
    skip: SKIPS,
  })
  runLayerSuite('RedisPubSubChannelLayer with encryption', {
    newLayer: (options) =>
      new RedisPubSubChannelLayer({
        ...options,
        hosts: [REDIS_URL],
        prefix: uniquePrefix(),
        symmetricEncryptionKeys: ['new-key', 'old-key'],
      }),
    skip: SKIPS,
  })
})

if (skipReason !== undefined) describe.skip(`RedisPubSubChannelLayer (skipped: ${skipReason})`, () => {})
