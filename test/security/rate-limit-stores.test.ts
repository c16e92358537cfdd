import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, onTestFinished } from 'vitest'

import { InMemoryRefreshTokenStore } from '../../src/auth/jwt/refresh-token-store.js'
import type { RefreshTokenStore } from '../../src/auth/jwt/refresh-token-store.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { TokenReuseDetected } from '../../src/errors.js'
import { TokenIssuer } from '../../src/jwt.js'
import { RedisRateLimitStore, RedisRefreshTokenStore } from '../../src/redis.js'
import { InMemoryRateLimitStore } from '../../src/security/memory-rate-limit-store.js'
import { RateLimitMiddleware } from '../../src/security/rate-limit-middleware.js'
import type { RateLimitStore } from '../../src/security/rate-limit-store.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { Application } from '../../src/types.js'
import { findRedis, requireOrSkip, uniqueName } from '../services.js'

function runRateLimitStoreSuite(name: string, newStore: () => RateLimitStore): void {
  const open = (): RateLimitStore => {
    const store = newStore()
    onTestFinished(() => store.close())
    return store
  }
  describe(`${name} (rate-limit store conformance)`, () => {
    it('allows a burst up to capacity, then refuses with a retry delay', async () => {
      const store = open()
      const bucket = { capacity: 3, refillPerSecond: 1 }
      for (let i = 0; i < 3; i++) expect((await store.take('burst', bucket)).allowed).toBe(true)
      const refused = await store.take('burst', bucket)
      expect(refused).toMatchObject({ allowed: false, remaining: 0 })
      expect(refused.retryAfterMs).toBeGreaterThan(0)
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000)
    })

    it('keeps buckets of different keys apart and forgets one on reset', async () => {
      const store = open()
      const bucket = { capacity: 1, refillPerSecond: 0 }
      expect((await store.take('a', bucket)).allowed).toBe(true)
      expect((await store.take('b', bucket)).allowed).toBe(true)
      expect((await store.take('a', bucket)).allowed).toBe(false)
      await store.reset('a')
      expect((await store.take('a', bucket)).allowed).toBe(true)
    })

    it('gives tokens back with a negative cost, never past capacity', async () => {
      const store = open()
      const bucket = { capacity: 2, refillPerSecond: 0 }
      expect((await store.take('refund', bucket)).allowed).toBe(true)
      expect((await store.take('refund', bucket)).allowed).toBe(true)
      expect((await store.take('refund', bucket)).allowed).toBe(false)
      await store.take('refund', bucket, -1)
      expect((await store.take('refund', bucket)).allowed).toBe(true)
      expect((await store.take('refund', bucket)).allowed).toBe(false)
      // Refunds beyond what was taken do not raise the burst above capacity.
      for (let i = 0; i < 5; i++) await store.take('refund', bucket, -1)
      const taken = await Promise.all(Array.from({ length: 4 }, () => store.take('refund', bucket)))
      expect(taken.filter((result) => result.allowed)).toHaveLength(2)
    })

    it('counts concurrent slots atomically', async () => {
      const store = open()
      const results = await Promise.all(Array.from({ length: 20 }, () => store.acquire('slots', 5, 60_000)))
      expect(results.filter(Boolean)).toHaveLength(5)
      await store.release('slots')
      expect(await store.acquire('slots', 5, 60_000)).toBe(true)
      expect(await store.acquire('slots', 5, 60_000)).toBe(false)
    })
  })
}

function runRefreshStoreTests(name: string, newStore: () => RefreshTokenStore): void {
  describe(`${name} (refresh-token store)`, () => {
    it('detects reuse of a refresh token', async () => {
      const store = newStore()
      onTestFinished(() => store.close())
      const issuer = new TokenIssuer({
        key: 'refresh-store-test-secret-at-least-32-bytes',
        refreshStore: store,
      })
      const first = await issuer.issue({ id: '1' })
      await issuer.refresh(first.refresh)
      await expect(issuer.refresh(first.refresh)).rejects.toThrow(TokenReuseDetected)
    })
  })
}

runRateLimitStoreSuite('InMemoryRateLimitStore', () => new InMemoryRateLimitStore())
runRefreshStoreTests('InMemoryRefreshTokenStore', () => new InMemoryRefreshTokenStore())

const found = await findRedis()
const url = requireOrSkip(found)
if (url === undefined) {
  describe('RedisRateLimitStore', () => {
    it.skip(`runs the rate-limit store suite (skipped: ${'reason' in found ? found.reason : ''})`, () => {})
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
  runRateLimitStoreSuite(
    'RedisRateLimitStore',
    () => new RedisRateLimitStore({ client, prefix: `${prefix}${n++}:` }),
  )
  runRefreshStoreTests(
    'RedisRefreshTokenStore',
    () => new RedisRefreshTokenStore({ client, prefix: `${prefix}${n++}:` }),
  )

  describe('RateLimitMiddleware on Redis', () => {
    it('holds a per-address connection limit across two processes', async () => {
      const shared = `${prefix}${n++}:`
      // Two middleware instances with their own clients stand for two processes.
      const stores = [
        new RedisRateLimitStore({ url, prefix: shared }),
        new RedisRateLimitStore({ url, prefix: shared }),
      ]
      onTestFinished(async () => {
        await Promise.all(stores.map((store) => store.close()))
      })
      const [a, b] = stores.map((store) =>
        RateLimitMiddleware(WebsocketConsumer.asApp(), { store, connectionsPerAddress: 1 }),
      ) as [Application, Application]
      const first = new WebsocketCommunicator(a, '/')
      expect((await first.connect()).connected).toBe(true)
      expect((await new WebsocketCommunicator(b, '/').connect()).response?.status).toBe(429)
      await first.disconnect()
      const later = new WebsocketCommunicator(b, '/')
      expect((await later.connect()).connected).toBe(true)
      await later.disconnect()
    })
  })
}
