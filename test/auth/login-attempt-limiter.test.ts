import { afterEach, describe, expect, it, vi } from 'vitest'

import { LoginAttemptLimiter } from '../../src/auth/login-attempt-limiter.js'
import type { LoginAttempt } from '../../src/auth/login-attempt-limiter.js'
import { ImproperlyConfigured, TooManyLoginAttempts } from '../../src/errors.js'
import { InMemoryRateLimitStore } from '../../src/security/memory-rate-limit-store.js'

/** Settles to the attempt, or to the error `attempt()` threw. */
function settle(promise: Promise<LoginAttempt>): Promise<unknown> {
  return promise.catch((error: unknown) => error)
}

const refused = (results: unknown[]) => results.filter((result) => result instanceof TooManyLoginAttempts)

describe('LoginAttemptLimiter', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  describe('#attempt', () => {
    it('counts an attempt when it starts, so parallel guesses beyond the allowance are refused', async () => {
      const limiter = new LoginAttemptLimiter({ perUsername: 5, perAddress: null })
      const results = await Promise.all(
        Array.from({ length: 40 }, () => settle(limiter.attempt('ada', '10.0.0.1'))),
      )
      expect(refused(results)).toHaveLength(35)
      expect(results.filter((result) => !(result instanceof Error))).toHaveLength(5)
    })

    it('refuses with retryAfter seconds, closeCode 4429 and status 429', async () => {
      const limiter = new LoginAttemptLimiter({ perUsername: 1, perAddress: null, windowSeconds: 60 })
      await limiter.attempt('ada')
      const error = await settle(limiter.attempt('ada'))
      expect(error).toBeInstanceOf(TooManyLoginAttempts)
      expect(error).toMatchObject({ closeCode: 4429, status: 429, retryAfter: 60 })
    })

    it('keeps a failed or never settled attempt counted', async () => {
      const limiter = new LoginAttemptLimiter({ perUsername: 2, perAddress: null })
      await (await limiter.attempt('ada')).failed()
      await limiter.attempt('ada')
      await expect(limiter.attempt('ada')).rejects.toThrow(TooManyLoginAttempts)
    })

    it('gives a successful attempt back and forgets the failures of its username', async () => {
      const limiter = new LoginAttemptLimiter({ perUsername: 3, perAddress: 3 })
      for (let i = 0; i < 2; i++) await (await limiter.attempt('ada', '10.0.0.1')).failed()
      const success = await limiter.attempt('ada', '10.0.0.1')
      await success.succeeded()
      // Settling twice changes nothing.
      await success.succeeded()
      // The username's three are back; the address still holds its two failures, and one more.
      await (await limiter.attempt('ada', '10.0.0.1')).failed()
      await expect(limiter.attempt('bob', '10.0.0.1')).rejects.toThrow(TooManyLoginAttempts)
      await limiter.attempt('ada', '10.0.0.2')
    })

    it('never throttles successful logins from one address', async () => {
      const limiter = new LoginAttemptLimiter({ perUsername: 2, perAddress: 2 })
      for (let i = 0; i < 20; i++) await (await limiter.attempt(`user${i % 3}`, '10.0.0.1')).succeeded()
      await limiter.attempt('ada', '10.0.0.1')
    })

    it('counts nothing for a refused attempt, in either allowance', async () => {
      const limiter = new LoginAttemptLimiter({ perUsername: 1, perAddress: 3 })
      await (await limiter.attempt('ada', '10.0.0.1')).failed()
      for (let i = 0; i < 5; i++)
        await expect(limiter.attempt('ada', '10.0.0.1')).rejects.toThrow(TooManyLoginAttempts)
      // Only the one failure is counted against the address.
      await limiter.attempt('bob', '10.0.0.1')
      await limiter.attempt('carol', '10.0.0.1')
      await expect(limiter.attempt('dave', '10.0.0.1')).rejects.toThrow(TooManyLoginAttempts)
    })

    it('counts a username across addresses by default, and per address with usernameScope', async () => {
      const global = new LoginAttemptLimiter({ perUsername: 2, perAddress: null })
      await global.attempt('ada', '10.0.0.1')
      await global.attempt('ada', '10.0.0.2')
      await expect(global.attempt('ada', '10.0.0.3')).rejects.toThrow(TooManyLoginAttempts)

      const perAddress = new LoginAttemptLimiter({
        perUsername: 2,
        perAddress: null,
        usernameScope: 'username-and-address',
      })
      await perAddress.attempt('ada', '10.0.0.1')
      await perAddress.attempt('ada', '10.0.0.1')
      await expect(perAddress.attempt('ada', '10.0.0.1')).rejects.toThrow(TooManyLoginAttempts)
      // Someone else's guesses do not lock ada out of another address.
      await perAddress.attempt('ada', '10.0.0.2')
    })

    it('counts the NFKC and case variants of a username as one', async () => {
      const limiter = new LoginAttemptLimiter({ perUsername: 2, perAddress: null })
      await limiter.attempt('Ada')
      await limiter.attempt('ａｄａ')
      await expect(limiter.attempt('ADA')).rejects.toThrow(TooManyLoginAttempts)
    })

    it('gives the allowance back over the window', async () => {
      vi.useFakeTimers()
      const store = new InMemoryRateLimitStore()
      const limiter = new LoginAttemptLimiter({ store, perUsername: 2, perAddress: null, windowSeconds: 60 })
      await limiter.attempt('ada')
      await limiter.attempt('ada')
      await expect(limiter.attempt('ada')).rejects.toThrow(TooManyLoginAttempts)
      vi.advanceTimersByTime(30_000)
      await limiter.attempt('ada')
      await expect(limiter.attempt('ada')).rejects.toThrow(TooManyLoginAttempts)
      await store.close()
    })
  })

  it('refuses bad options at construction', () => {
    expect(() => new LoginAttemptLimiter({ perUsername: 0 })).toThrow(ImproperlyConfigured)
    expect(() => new LoginAttemptLimiter({ perAddress: Number.NaN })).toThrow(ImproperlyConfigured)
    expect(() => new LoginAttemptLimiter({ windowSeconds: -1 })).toThrow(ImproperlyConfigured)
    expect(() => new LoginAttemptLimiter({ usernameScope: 'address' as 'username' })).toThrow(
      ImproperlyConfigured,
    )
  })
})
