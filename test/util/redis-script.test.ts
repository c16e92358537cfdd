/**
 * The Redis-backed stores run their Lua scripts as ioredis custom commands:
 * the source goes to Redis once per connection (EVAL), then only its SHA
 * (EVALSHA), and a Redis that forgot it (SCRIPT FLUSH) is given it again.
 * Each test has a Redis of its own, so the command counts are its own.
 */

import { Redis } from 'ioredis'
import { describe, expect, it, onTestFinished } from 'vitest'

import { RedisRefreshTokenStore } from '../../src/auth/jwt/redis-refresh-token-store.js'
import { RedisRateLimitStore } from '../../src/security/stores/redis-rate-limit-store.js'
import { PrivateRedis, redisServerSkipReason } from '../layers/redis/redis-server.js'

const skipReason = redisServerSkipReason()

/** Calls of EVAL and EVALSHA the server has run, from INFO commandstats. */
async function scriptCalls(admin: Redis): Promise<{ eval: number; evalsha: number }> {
  const info = await admin.info('commandstats')
  const count = (name: string): number =>
    Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
  return { eval: count('eval'), evalsha: count('evalsha') }
}

async function privateRedis(): Promise<{ url: string; admin: Redis }> {
  const redis = await PrivateRedis.start()
  onTestFinished(() => redis.kill())
  const admin = new Redis(redis.url)
  onTestFinished(() => admin.disconnect())
  return { url: redis.url, admin }
}

describe.skipIf(skipReason !== undefined)('Lua scripts of the Redis stores', () => {
  it('RedisRateLimitStore sends a script once, then its SHA, and again after SCRIPT FLUSH', async () => {
    const { url, admin } = await privateRedis()
    const store = new RedisRateLimitStore({ url })
    onTestFinished(() => store.close())
    const bucket = { capacity: 100, refillPerSecond: 0 }
    for (let n = 0; n < 20; n++) expect((await store.take('k', bucket)).allowed).toBe(true)
    expect(await scriptCalls(admin)).toEqual({ eval: 1, evalsha: 19 })
    await admin.script('FLUSH')
    expect(await store.take('k', bucket)).toMatchObject({ allowed: true, remaining: 79 })
    expect(await store.acquire('slot', 1, 60_000)).toBe(true)
    expect(await store.acquire('slot', 1, 60_000)).toBe(false)
    await store.release('slot')
    expect(await store.acquire('slot', 1, 60_000)).toBe(true)
  })

  it('RedisRefreshTokenStore spends a token once, refuses a revoked family, and survives SCRIPT FLUSH', async () => {
    const { url, admin } = await privateRedis()
    const store = new RedisRefreshTokenStore({ url })
    onTestFinished(() => store.close())
    const later = new Date(Date.now() + 60_000)
    expect(await store.use('jti-1', 'family-a', later)).toBe(true)
    expect(await store.use('jti-1', 'family-a', later)).toBe(false)
    await admin.script('FLUSH')
    expect(await store.use('jti-2', 'family-a', later)).toBe(true)
    await store.revokeFamily('family-a', later)
    expect(await store.use('jti-3', 'family-a', later)).toBe(false)
    const calls = await scriptCalls(admin)
    // The source went once per load (the first call, and the first after the flush), never with every call.
    expect(calls.eval).toBeLessThanOrEqual(3)
    expect(calls.eval + calls.evalsha).toBeGreaterThanOrEqual(4)
  })
})

if (skipReason !== undefined)
  describe.skip(`Lua scripts of the Redis stores (skipped: ${skipReason})`, () => {})
