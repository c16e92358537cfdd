import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  PASSWORD,
  api,
  joinWithCookie,
  sessionCookie,
  startChat,
  tokens,
  uniqueRoom,
  uniqueUser,
} from './harness.js'
import type { RunningChat, TestSocket } from './harness.js'
import { expectRefusedMessages } from './message-input.js'
import { postgresUrlOrSkip, uniqueName } from './needs.js'

const url = await postgresUrlOrSkip()
const schema = uniqueName('chat_test')
let chat: RunningChat

beforeAll(async () => {
  if (url === undefined) return
  chat = await startChat({ databaseUrl: url }, { postgresSchema: schema })
})

afterAll(async () => {
  await chat?.close()
  if (url === undefined) return
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
})

describe.skipIf(url === undefined)('chat on PostgreSQL (DATABASE_URL)', () => {
  it('registers, refuses a taken name, logs in and issues tokens', async () => {
    const username = uniqueUser()
    expect((await api(chat.base, 'POST', '/api/register', { username, password: PASSWORD })).status).toBe(201)
    expect((await api(chat.base, 'POST', '/api/register', { username, password: PASSWORD })).status).toBe(409)
    const cookie = await sessionCookie(chat.base, uniqueUser())
    expect((await api(chat.base, 'GET', '/api/me', undefined, { cookie })).status).toBe(200)
    const token = await api(chat.base, 'POST', '/api/token', { username, password: PASSWORD })
    expect(token.status).toBe(200)
  })

  it('rotates refresh tokens and answers 401 on reuse, through the database', async () => {
    const pair = await tokens(chat.base, uniqueUser())
    expect((await api(chat.base, 'POST', '/api/token/refresh', { refresh: pair.refresh })).status).toBe(200)
    expect((await api(chat.base, 'POST', '/api/token/refresh', { refresh: pair.refresh })).status).toBe(401)
  })

  it('stores messages before broadcasting them and pages the history', async () => {
    const room = uniqueRoom()
    const cookie = await sessionCookie(chat.base, uniqueUser())
    const { socket } = await joinWithCookie(chat, room, cookie)
    const sockets: TestSocket[] = [socket]
    try {
      const ids: number[] = []
      for (let i = 0; i < 3; i++) {
        socket.send({ action: 'message', data: { text: `pg ${i}` } })
        ids.push(((await socket.nextAction('message')).data as { id: number }).id)
      }
      expect(ids[2]! > ids[1]! && ids[1]! > ids[0]!).toBe(true)
      const page = await api(chat.base, 'GET', `/api/rooms/${room}/messages?limit=2`, undefined, { cookie })
      expect((page.body as { messages: { text: string }[] }).messages.map((m) => m.text)).toEqual([
        'pg 1',
        'pg 2',
      ])
      socket.send({ action: 'history', data: { before: ids[1] } })
      const history = (await socket.nextAction('history')).data as {
        messages: { text: string; time: number }[]
      }
      expect(history.messages.map((m) => m.text)).toEqual(['pg 0'])
      expect(history.messages[0]!.time).toBeCloseTo(Date.now() / 1000, -2)
    } finally {
      await Promise.all(sockets.map((s) => s.close()))
    }
  })

  it('refuses deeply nested extras, NUL and lone surrogates with invalid_message, storing and broadcasting none of them', async () => {
    const room = uniqueRoom()
    const cookie = await sessionCookie(chat.base, uniqueUser())
    const sender = await joinWithCookie(chat, room, cookie)
    const watcher = await joinWithCookie(chat, room, await sessionCookie(chat.base, uniqueUser()))
    try {
      await sender.socket.nextAction('presence')
      await expectRefusedMessages(chat, room, cookie, sender.socket, watcher.socket)
    } finally {
      await Promise.all([sender.socket.close(), watcher.socket.close()])
    }
  })
})
