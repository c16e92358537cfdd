import { afterEach, describe, expect, it } from 'vitest'

import { PASSWORD, api, register, startChat, uniqueUser } from './harness.js'
import type { RunningChat } from './harness.js'

let chat: RunningChat | undefined

afterEach(async () => {
  await chat?.close()
  chat = undefined
})

async function loginCookie(running: RunningChat): Promise<string | undefined> {
  const username = uniqueUser()
  await register(running.base, username)
  const response = await api(running.base, 'POST', '/api/login', { username, password: PASSWORD })
  return response.headers.getSetCookie().find((c) => c.startsWith('sessionid='))
}

describe('chat session cookie', () => {
  it('is Secure when SESSION_COOKIE_SECURE is on, even over plain HTTP', async () => {
    chat = await startChat({ sessionCookieSecure: true })
    expect(await loginCookie(chat)).toMatch(/;\s*Secure/i)
  })

  it('is not Secure over plain HTTP with the default, auto', async () => {
    chat = await startChat()
    expect(await loginCookie(chat)).not.toMatch(/Secure/i)
  })
})
