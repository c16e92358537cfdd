import { afterEach, describe, expect, it } from 'vitest'

import {
  PASSWORD,
  TestSocket,
  api,
  joinWithCookie,
  sessionCookie,
  startChat,
  uniqueRoom,
  uniqueUser,
} from './harness.js'
import type { RunningChat, TestChatConfig } from './harness.js'

const running: RunningChat[] = []
const sockets: TestSocket[] = []

afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()))
  await Promise.all(running.splice(0).map((chat) => chat.close()))
})

async function chatWith(limits: TestChatConfig['limits']): Promise<RunningChat> {
  const chat = await startChat({ limits })
  running.push(chat)
  return chat
}

async function join(chat: RunningChat, room: string, cookie: string): Promise<TestSocket> {
  const { socket } = await joinWithCookie(chat, room, cookie)
  sockets.push(socket)
  return socket
}

/** Opens a socket that the chat is expected to close at once; resolves with the close. */
async function closedAtOnce(chat: RunningChat, room: string, cookie: string) {
  const socket = await TestSocket.open(`${chat.wsBase}/ws/chat/${room}/`, {
    origin: chat.origin,
    headers: { cookie },
  })
  sockets.push(socket)
  return socket.closed
}

describe('chat limits', () => {
  it('answers 429 rate_limited with Retry-After to registrations past the allowance per address', async () => {
    const chat = await chatWith({ registrationsPerAddress: 3 })
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () =>
        api(chat.base, 'POST', '/api/register', { username: uniqueUser(), password: PASSWORD }),
      ),
    )
    expect(statuses.filter((r) => r.status === 201)).toHaveLength(3)
    const refused = statuses.filter((r) => r.status === 429)
    expect(refused).toHaveLength(7)
    expect(refused[0]!.body).toEqual({
      error: { code: 'rate_limited', message: expect.any(String) as unknown },
    })
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('closes a socket past the per-user cap with 4008, and lets the user in again once one closes', async () => {
    const chat = await chatWith({ connectionsPerUser: 2 })
    const cookie = await sessionCookie(chat.base, uniqueUser())
    const room = uniqueRoom()
    const first = await join(chat, room, cookie)
    await join(chat, room, cookie)
    expect(await closedAtOnce(chat, room, cookie)).toEqual({ code: 4008, reason: 'Too many connections' })
    // Another user is not affected.
    await join(chat, room, await sessionCookie(chat.base, uniqueUser()))
    await first.close()
    // The slot comes back once the server has seen the close; a retry after that gets in.
    await expect.poll(async () => (await tryJoin(chat, room, cookie)) !== null).toBe(true)
  })

  it('caps the sockets of one address, whoever their users are', async () => {
    const chat = await chatWith({ connectionsPerAddress: 2 })
    const room = uniqueRoom()
    await join(chat, room, await sessionCookie(chat.base, uniqueUser()))
    await join(chat, room, await sessionCookie(chat.base, uniqueUser()))
    const third = await sessionCookie(chat.base, uniqueUser())
    expect(await closedAtOnce(chat, room, third)).toEqual({ code: 4008, reason: 'Too many connections' })
  })

  it('frees the slot of a client that drops without a close frame', async () => {
    const chat = await chatWith({ connectionsPerUser: 1 })
    const cookie = await sessionCookie(chat.base, uniqueUser())
    const room = uniqueRoom()
    const dropped = await join(chat, room, cookie)
    expect(await closedAtOnce(chat, room, cookie)).toEqual({ code: 4008, reason: 'Too many connections' })
    dropped.socket.terminate()
    await expect.poll(async () => (await tryJoin(chat, room, cookie)) !== null).toBe(true)
  })

  it('takes its flood limit from the settings', async () => {
    const chat = await chatWith({ floodRate: 0.001, floodBurst: 2 })
    const socket = await join(chat, uniqueRoom(), await sessionCookie(chat.base, uniqueUser()))
    for (let i = 0; i < 3; i++) socket.send({ action: 'userinfo' })
    expect((await socket.next()).action).toBe('userinfo')
    expect((await socket.next()).action).toBe('userinfo')
    expect(await socket.next()).toEqual({ action: 'error', data: { code: 'rate_limited' } })
  })

  it('turns the flood limit off with a rate of 0', async () => {
    const chat = await chatWith({ floodRate: 0, floodBurst: 1 })
    const socket = await join(chat, uniqueRoom(), await sessionCookie(chat.base, uniqueUser()))
    for (let i = 0; i < 50; i++) socket.send({ action: 'userinfo' })
    for (let i = 0; i < 50; i++) expect((await socket.next()).action).toBe('userinfo')
  })
})

/** Joins, or `null` when the chat closed the socket at once (over a cap). */
async function tryJoin(chat: RunningChat, room: string, cookie: string): Promise<TestSocket | null> {
  try {
    return await join(chat, room, cookie)
  } catch {
    return null
  }
}
