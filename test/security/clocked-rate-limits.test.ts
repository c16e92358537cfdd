/**
 * The in-process rate limits refill on the clock they are given, so a test
 * moves time instead of waiting for it.
 */

import { describe, expect, it, onTestFinished } from 'vitest'

import { LocalTokenBucket } from '../../src/security/local-token-bucket.js'
import { InMemoryRateLimitStore } from '../../src/security/memory-rate-limit-store.js'

describe('InMemoryRateLimitStore with a clock', () => {
  it('refuses past the burst, says when to retry, and allows again exactly then', async () => {
    let now = 10_000
    const store = new InMemoryRateLimitStore({ clock: () => now })
    onTestFinished(() => store.close())
    const bucket = { capacity: 3, refillPerSecond: 2 }
    for (let n = 0; n < 3; n++) expect((await store.take('ip', bucket)).allowed).toBe(true)
    const refused = await store.take('ip', bucket)
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 500 })
    now += 499
    expect((await store.take('ip', bucket)).allowed).toBe(false)
    now += 1
    expect(await store.take('ip', bucket)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 })
  })

  it('refills no further than the capacity, however long it waited', async () => {
    let now = 0
    const store = new InMemoryRateLimitStore({ clock: () => now })
    onTestFinished(() => store.close())
    const bucket = { capacity: 2, refillPerSecond: 10 }
    await store.take('ip', bucket, 2)
    now += 3_600_000
    expect(await store.take('ip', bucket)).toMatchObject({ allowed: true, remaining: 1 })
  })
})

describe('LocalTokenBucket with a clock', () => {
  it('takes a burst, then one token per 1/rate seconds', () => {
    let now = 0
    const bucket = new LocalTokenBucket({ capacity: 2, refillPerSecond: 4 }, () => now)
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false])
    now += 249
    expect(bucket.take()).toBe(false)
    now += 1
    expect([bucket.take(), bucket.take()]).toEqual([true, false])
  })
})
