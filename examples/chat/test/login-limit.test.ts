import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { PASSWORD, api, register, startChat, uniqueUser } from './harness.js'
import type { RunningChat } from './harness.js'

let chat: RunningChat

// A chat per test: the allowance per address is shared by every test's requests from 127.0.0.1.
beforeEach(async () => {
  chat = await startChat()
})

afterEach(async () => {
  await chat.close()
})

describe('chat login limits', () => {
  it('answers 429 rate_limited with Retry-After after five failed /api/token attempts, even with the right password', async () => {
    const username = uniqueUser()
    await register(chat.base, username)
    for (let i = 0; i < 5; i++) {
      expect(
        (await api(chat.base, 'POST', '/api/token', { username, password: 'wrong password' })).status,
      ).toBe(401)
    }
    const limited = await api(chat.base, 'POST', '/api/token', { username, password: PASSWORD })
    expect(limited.status).toBe(429)
    expect(limited.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) as unknown } })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // /api/login shares the count.
    expect((await api(chat.base, 'POST', '/api/login', { username, password: PASSWORD })).status).toBe(429)
  })

  it('answers 429 to 40 simultaneous wrong guesses at one account beyond the five allowed, on /api/token and /api/login', async () => {
    for (const endpoint of ['/api/token', '/api/login']) {
      const username = uniqueUser()
      await register(chat.base, username)
      const statuses = await Promise.all(
        Array.from({ length: 40 }, () =>
          api(chat.base, 'POST', endpoint, { username, password: 'wrong password' }).then((r) => r.status),
        ),
      )
      // Each attempt takes its token before the password check, so no more
      // than the allowance ever reaches it, however the requests interleave.
      expect(
        statuses.filter((status) => status === 401),
        endpoint,
      ).toHaveLength(5)
      expect(
        statuses.filter((status) => status === 429),
        endpoint,
      ).toHaveLength(35)
    }
  })

  it('answers 429 to 40 simultaneous guesses at 40 accounts from one address beyond the twenty allowed', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        api(chat.base, 'POST', '/api/token', { username: uniqueUser(), password: 'wrong password' }).then(
          (r) => r.status,
        ),
      ),
    )
    expect(statuses.filter((status) => status === 401)).toHaveLength(20)
    expect(statuses.filter((status) => status === 429)).toHaveLength(20)
  })

  it('does not count successful logins', async () => {
    const username = uniqueUser()
    await register(chat.base, username)
    for (let i = 0; i < 8; i++) {
      expect((await api(chat.base, 'POST', '/api/token', { username, password: PASSWORD })).status).toBe(200)
    }
  })
})
