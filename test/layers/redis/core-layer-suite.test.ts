import { describe } from 'vitest'

import { RedisChannelLayer } from '../../../src/layers/redis/index.js'
import { runLayerSuite } from '../layer-suite.js'
import { REDIS_URL, redisSkipReason, uniquePrefix } from './redis-service.js'

const skipReason = await redisSkipReason()

describe.skipIf(skipReason !== undefined)(`RedisChannelLayer on ${REDIS_URL}`, () => {
  runLayerSuite('RedisChannelLayer', {
    newLayer: (options) => new RedisChannelLayer({ ...options, hosts: [REDIS_URL], prefix: uniquePrefix() }),
  })
  runLayerSuite('RedisChannelLayer with encryption', {
    newLayer: (options) =>
      new RedisChannelLayer({
        ...options,
        hosts: [REDIS_URL],
        prefix: uniquePrefix(),
        symmetricEncryptionKeys: ['new-key', 'old-key'],
      }),
  })
})

if (skipReason !== undefined) describe.skip(`RedisChannelLayer (skipped: ${skipReason})`, () => {})
