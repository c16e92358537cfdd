import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, api, register, startChat, uniqueUser } from './harness.js'
import type { RunningChat } from './harness.js'

let chat: RunningChat

beforeAll(async () => {
  chat = await startChat()
})

afterAll(async () => {
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

  it('does not count successful logins', async () => {
    const username = uniqueUser()
    await register(chat.base, username)
    for (let i = 0; i < 8; i++) {
      expect((await api(chat.base, 'POST', '/api/token', { username, password: PASSWORD })).status).toBe(200)
    }
  })
})
