import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { RedisConnectionSlots } from '../../src/redis.js'
import { ConnectionCapMiddleware } from '../../src/security/connection-cap-middleware.js'
import { InMemoryConnectionSlots } from '../../src/security/connection-slots.js'
import type { ConnectionSlotStore } from '../../src/security/connection-slots.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import { findRedis, requireOrSkip, uniqueName } from '../services.js'

function runSlotStoreSuite(name: string, newStore: () => ConnectionSlotStore): void {
  const open = (): ConnectionSlotStore => {
    const store = newStore()
    onTestFinished(() => store.close())
    return store
  }
  describe(`${name} (connection slot store conformance)`, () => {
    it('hands out no more than the limit to racing acquires', async () => {
      const store = open()
      const slots = await Promise.all(Array.from({ length: 20 }, () => store.acquire('race', 5)))
      expect(slots.filter((slot) => slot !== null)).toHaveLength(5)
    })

    it('frees a released slot once, however often it is released', async () => {
      const store = open()
      const first = await store.acquire('k', 2)
      expect(await store.acquire('k', 2)).not.toBeNull()
      expect(await store.acquire('k', 2)).toBeNull()
      await first!.release()
      await first!.release()
      expect(await store.acquire('k', 2)).not.toBeNull()
      expect(await store.acquire('k', 2)).toBeNull()
    })

    it('keeps the slots of different keys apart', async () => {
      const store = open()
      expect(await store.acquire('a', 1)).not.toBeNull()
      expect(await store.acquire('b', 1)).not.toBeNull()
      expect(await store.acquire('a', 1)).toBeNull()
    })
  })
}

runSlotStoreSuite('InMemoryConnectionSlots', () => new InMemoryConnectionSlots())

const found = await findRedis()
const url = requireOrSkip(found)
if (url === undefined) {
  describe('RedisConnectionSlots', () => {
    it.skip(`runs the connection slot suite (skipped: ${'reason' in found ? found.reason : ''})`, () => {})
  })
} else {
  const client = new Redis(url)
  const prefix = `${uniqueName('tsc')}:`
  let n = 0
  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`)
    if (keys.length > 0) await client.del(...keys)
    await client.quit()
  })
  runSlotStoreSuite(
    'RedisConnectionSlots',
    () => new RedisConnectionSlots({ client, prefix: `${prefix}${n++}:` }),
  )

  describe('RedisConnectionSlots', () => {
    /** Two stores with clients of their own, as two processes would have. */
    function twoProcesses(): [RedisConnectionSlots, RedisConnectionSlots, string] {
      const shared = `${prefix}${n++}:`
      const stores = [
        new RedisConnectionSlots({ url, prefix: shared }),
        new RedisConnectionSlots({ url, prefix: shared }),
      ] as const
      onTestFinished(async () => void (await Promise.all(stores.map((store) => store.close()))))
      return [stores[0], stores[1], shared]
    }

    /** Moves every lease under `key` into the past, as if its process had stopped renewing long ago. */
    async function lapse(key: string): Promise<void> {
      for (const member of await client.zrange(key, 0, -1)) await client.zadd(key, 1, member)
    }

    it('holds a per-address cap across two processes', async () => {
      const [a, b] = twoProcesses()
      const [appA, appB] = [a, b].map((store) =>
        ConnectionCapMiddleware(WebsocketConsumer.asApp(), { store, perAddress: 1, perUser: null }),
      )
      const first = new WebsocketCommunicator(appA!, '/')
      expect((await first.connect()).connected).toBe(true)
      expect((await new WebsocketCommunicator(appB!, '/').connect()).response?.status).toBe(429)
      await first.disconnect()
      const later = new WebsocketCommunicator(appB!, '/')
      expect((await later.connect()).connected).toBe(true)
      await later.disconnect()
    })

    it('stops counting the slots of a process that stopped renewing them', async () => {
      const [crashed, alive, shared] = twoProcesses()
      expect(await crashed.acquire('k', 1)).not.toBeNull()
      expect(await alive.acquire('k', 1)).toBeNull()
      await lapse(`${shared}k`)
      expect(await alive.acquire('k', 1)).not.toBeNull()
    })

    it('keeps the slots it holds counted by renewing their leases', async () => {
      const [holder, other, shared] = twoProcesses()
      expect(await holder.acquire('k', 1)).not.toBeNull()
      await lapse(`${shared}k`)
      await holder.renew()
      expect(await other.acquire('k', 1)).toBeNull()
    })

    it('gives back the slots it still holds when closed', async () => {
      const [closing, other] = twoProcesses()
      expect(await closing.acquire('k', 1)).not.toBeNull()
      await closing.close()
      expect(await other.acquire('k', 1)).not.toBeNull()
    })

    it('releases without an error when Redis is gone, and the lease lapses', async () => {
      const shared = `${prefix}${n++}:`
      const own = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null })
      own.on('error', () => undefined)
      const store = new RedisConnectionSlots({ client: own, prefix: shared })
      const slot = await store.acquire('k', 1)
      own.disconnect()
      await expect(slot!.release()).resolves.toBeUndefined()
      await lapse(`${shared}k`)
      const other = new RedisConnectionSlots({ client, prefix: shared })
      expect(await other.acquire('k', 1)).not.toBeNull()
      await store.close()
    })
  })
}
