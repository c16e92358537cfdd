import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import { describe, expect, it, onTestFinished } from 'vitest'

import { ReceiveCancelled } from '../../../src/errors.js'
import type { ChannelLayer } from '../../../src/layers/channel-layer.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import { REDIS_URL, countKeys, inspector, redisSkipReason, uniquePrefix } from './redis-service.js'

const skipReason = await redisSkipReason()

const CYCLES_PER_WINDOW = 1_000
const WINDOWS = 4

/** What a consumer does over its life: a channel, a group, a receive cancelled at the end, a discard. */
async function cycle(layer: ChannelLayer, group: string): Promise<void> {
  const channel = await layer.newChannel()
  await layer.groupAdd(group, channel)
  const stop = new AbortController()
  const pending = layer.receive(channel, { signal: stop.signal })
  stop.abort()
  await pending.catch((error: unknown) => {
    if (!(error instanceof ReceiveCancelled)) throw error
  })
  await layer.discardChannel(channel)
}

/**
 * A full GC without `--expose-gc` on the command line: the flag can be set at
 * run time, and a fresh context then exposes `gc`. Measuring after a full GC
 * is what makes the heap comparison meaningful.
 */
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const LAYERS = {
  RedisChannelLayer: (prefix: string) => new RedisChannelLayer({ hosts: [REDIS_URL], prefix }),
  RedisPubSubChannelLayer: (prefix: string) => new RedisPubSubChannelLayer({ hosts: [REDIS_URL], prefix }),
}

describe.skipIf(skipReason !== undefined)('connect/disconnect cycles', () => {
  for (const [name, newLayer] of Object.entries(LAYERS)) {
    it(`${name} keeps memory and the Redis key count flat over ${CYCLES_PER_WINDOW * WINDOWS} cycles`, async () => {
      const prefix = uniquePrefix('leak')
      const layer = newLayer(prefix)
      const redis = inspector()
      onTestFinished(async () => {
        await layer.flush()
        await layer.close()
        await redis.quit()
      })
      const group = 'lobby'
      const heaps: number[] = []
      const keys: number[] = []
      for (let window = 0; window < WINDOWS; window++) {
        for (let n = 0; n < CYCLES_PER_WINDOW; n++) await cycle(layer, group)
        heaps.push(heapAfterGc())
        keys.push(await countKeys(redis, prefix))
      }
      // A consumer that came and went leaves no key behind: its queue and its membership are gone.
      expect(keys.every((count) => count === 0)).toBe(true)
      // The first window warms up (JIT, pools). Later windows must not keep growing: keeping one
      // channel's state (about 1.5 kB with its buffers) per cycle would add 4.5 MB over the last three.
      const growth = heaps[WINDOWS - 1]! - heaps[1]!
      expect(growth).toBeLessThan(4 * 1024 * 1024)
      expect(heaps[WINDOWS - 1]! - heaps[0]!).toBeLessThan(8 * 1024 * 1024)
    }, 120_000)
  }
})

if (skipReason !== undefined) describe.skip(`connect/disconnect cycles (skipped: ${skipReason})`, () => {})
