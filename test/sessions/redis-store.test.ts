import { Redis } from 'ioredis'
import { afterAll, describe, it } from 'vitest'

import { RedisSessionStore } from '../../src/redis.js'
import { findRedis, requireOrSkip, uniqueName } from '../services.js'
import { runSessionStoreSuite } from './session-store-suite.js'

const found = await findRedis()
const url = requireOrSkip(found)

if (url === undefined) {
  describe('RedisSessionStore', () => {
    it.skip(`runs the session store suite (skipped: ${'reason' in found ? found.reason : ''})`, () => {})
  })
} else {
  const client = new Redis(url)
  const prefix = `${uniqueName('tsc')}:session:`
  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`)
    if (keys.length > 0) await client.del(...keys)
    await client.quit()
  })
  runSessionStoreSuite('RedisSessionStore', {
    newStore: () => new RedisSessionStore({ client, prefix }),
  })
}
