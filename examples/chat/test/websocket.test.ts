import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'

import { jwtKey } from '../create-chat.js'

import { TEST_SECRET, TestSocket, api, tokens, uniqueRoom, uniqueUser } from './harness.js'
import { refusal, useChat } from './websocket-fixture.js'

const fixture = useChat()
const { member, open } = fixture

describe('chat WebSocket /ws/chat/<room>/', () => {
  describe('handshake', () => {
    it('refuses an Origin outside ALLOWED_HOSTS, and a missing one, with 403', async () => {
      const { cookie } = await member(uniqueRoom())
      const url = `${fixture.chat.wsBase}/ws/chat/lobby/`
      expect(
        await refusal(TestSocket.open(url, { origin: 'http://evil.example', headers: { cookie } })),
      ).toBe(403)
      expect(await refusal(TestSocket.open(url, { headers: { cookie } }))).toBe(403)
    })

    it('answers any other path with 404', async () => {
      for (const path of [
        '/ws/chat/',
        '/ws/chat/a/b/',
        '/ws/chat/bad room/',
        `/ws/chat/${'r'.repeat(65)}/`,
        '/ws/other/',
        '/ws/chat/lobby',
      ]) {
        expect(
          await refusal(TestSocket.open(fixture.chat.wsBase + path, { origin: fixture.chat.origin })),
          path,
        ).toBe(404)
      }
    })

    it('accepts and closes at once with 4401 without a valid credential', async () => {
      for (const options of [
        {},
        { headers: { cookie: 'sessionid=forged' } },
        { headers: { cookie: 'X-Token=bad' } },
      ]) {
        const socket = await open('/ws/chat/lobby/', options)
        expect((await socket.closed).code).toBe(4401)
      }
      const bad = await open('/ws/chat/lobby/?token=not-a-jwt')
      expect((await bad.closed).code).toBe(4401)
      const subprotocol = await open('/ws/chat/lobby/', { protocols: ['bearer', 'not-a-jwt'] })
      expect(subprotocol.socket.protocol).toBe('bearer')
      expect((await subprotocol.closed).code).toBe(4401)
    })

    it('refuses a refresh token as an access token with 4401', async () => {
      const { refresh } = await tokens(fixture.chat.base, uniqueUser())
      const socket = await open(`/ws/chat/lobby/?token=${refresh}`)
      expect((await socket.closed).code).toBe(4401)
    })

    it('authenticates by ?token=, the X-Token cookie and the bearer subprotocol (echoing bearer)', async () => {
      const room = uniqueRoom()
      const username = uniqueUser()
      const { access } = await tokens(fixture.chat.base, username)
      const byQuery = await open(`/ws/chat/${room}/?token=${access}`)
      expect(await byQuery.next()).toEqual({ action: 'presence', data: { members: [username] } })
      const byCookie = await open(`/ws/chat/${room}/`, { headers: { cookie: `X-Token=${access}` } })
      expect(await byCookie.next()).toEqual({ action: 'presence', data: { members: [username] } })
      const bySubprotocol = await open(`/ws/chat/${room}/`, { protocols: ['bearer', access] })
      expect(bySubprotocol.socket.protocol).toBe('bearer')
      expect(await bySubprotocol.next()).toEqual({ action: 'presence', data: { members: [username] } })
    })
    it('keeps an open connection after logout, but closes a reconnect with 4401', async () => {
      const room = uniqueRoom()
      const { socket, cookie } = await member(room)
      expect((await api(fixture.chat.base, 'POST', '/api/logout', undefined, { cookie })).status).toBe(204)
      socket.send({ action: 'message', data: { text: 'still connected' } })
      expect((await socket.next()).action).toBe('message')
      const again = await open(`/ws/chat/${room}/`, { headers: { cookie } })
      expect((await again.closed).code).toBe(4401)
    })

    it('closes with 4401 for an expired access token', async () => {
      const username = uniqueUser()
      await tokens(fixture.chat.base, username)
      const past = Math.floor(Date.now() / 1000) - 3600
      const expired = await new SignJWT({ username, token_type: 'access' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject('1')
        .setIssuer('tschannels-chat')
        .setIssuedAt(past - 300)
        .setExpirationTime(past)
        .sign(jwtKey(TEST_SECRET))
      const socket = await open(`/ws/chat/lobby/?token=${expired}`)
      expect((await socket.closed).code).toBe(4401)
    })
  })

  describe('message', () => {
    it('stores the trimmed text, then sends it to every member with id, username, uid, time and extra fields', async () => {
      const room = uniqueRoom()
      const alice = await member(room, 'alice')
      const bob = await member(room, 'bob')
      await alice.socket.nextAction('presence') // bob joined
      alice.socket.send({ action: 'userinfo' })
      const { data: info } = await alice.socket.nextAction('userinfo')
      const before = Date.now() / 1000

      alice.socket.send({
        action: 'message',
        data: { text: '  hello bob  ', nonce: 7, nested: { a: [1] }, username: 'mallory' },
      })
      const received = [await alice.socket.nextAction('message'), await bob.socket.nextAction('message')]
      for (const frame of received) {
        const data = frame.data as Record<string, unknown>
        expect(data).toEqual({
          id: expect.any(Number) as unknown,
          text: 'hello bob',
          username: alice.username,
          uid: (info as { uid: string }).uid,
          time: expect.any(Number) as unknown,
          nonce: 7,
          nested: { a: [1] },
        })
        expect(frame.time).toBeGreaterThanOrEqual(Math.floor(before))
        expect(frame.time).toBeLessThanOrEqual(Date.now() / 1000 + 1)
      }
      const id = (received[0]!.data as { id: number }).id
      const history = await api(fixture.chat.base, 'GET', `/api/rooms/${room}/messages`, undefined, {
        cookie: bob.cookie,
      })
      expect(history.body).toEqual({
        messages: [{ id, username: alice.username, text: 'hello bob', time: expect.any(Number) as unknown }],
      })
    })

    it('reaches nobody in another room', async () => {
      const alice = await member(uniqueRoom(), 'alice')
      const carol = await member(uniqueRoom(), 'carol')
      alice.socket.send({ action: 'message', data: { text: 'private' } })
      await alice.socket.nextAction('message')
      expect(await carol.socket.nothing(300)).toBe(true)
    })

    it('answers invalid_message for empty, blank, too long or missing text, and keeps the connection', async () => {
      const { socket } = await member(uniqueRoom())
      for (const data of [
        { text: '' },
        { text: '   \n ' },
        { text: 'x'.repeat(4097) },
        {},
        { text: 5 },
        'text',
        undefined,
      ]) {
        socket.send({ action: 'message', data })
        expect(await socket.next(), JSON.stringify(data)).toEqual({
          action: 'error',
          data: { code: 'invalid_message' },
        })
      }
      socket.send({ action: 'message', data: { text: ` ${'x'.repeat(4096)} ` } })
      expect(((await socket.nextAction('message')).data as { text: string }).text).toHaveLength(4096)
    })

    it('counts characters, not UTF-16 units: 4096 emoji are one message', async () => {
      const { socket } = await member(uniqueRoom())
      socket.send({ action: 'message', data: { text: '😀'.repeat(4096) } })
      expect((await socket.next()).action).toBe('message')
    })
  })

  describe('userinfo and history', () => {
    it('answers userinfo to the sender only, with its username and channel name', async () => {
      const room = uniqueRoom()
      const alice = await member(room, 'alice')
      const bob = await member(room, 'bob')
      await alice.socket.nextAction('presence')
      alice.socket.send({ action: 'userinfo' })
      const frame = await alice.socket.next()
      expect(frame).toEqual({
        action: 'userinfo',
        data: { username: alice.username, uid: expect.stringMatching(/^specific\..+!/) as unknown },
      })
      expect(await bob.socket.nothing(200)).toBe(true)
    })

    it('pages the history: newest first pages, oldest first within a page, before and limit', async () => {
      const room = uniqueRoom()
      const { socket, cookie } = await member(room)
      const ids: number[] = []
      for (let i = 0; i < 5; i++) {
        socket.send({ action: 'message', data: { text: `m${i}` } })
        ids.push(((await socket.nextAction('message')).data as { id: number }).id)
      }
      socket.send({ action: 'history', data: { limit: 2 } })
      const newest = (await socket.nextAction('history')).data as { messages: { id: number; text: string }[] }
      expect(newest.messages.map((m) => m.text)).toEqual(['m3', 'm4'])
      socket.send({ action: 'history', data: { before: ids[3], limit: 2 } })
      const older = (await socket.nextAction('history')).data as { messages: { id: number; text: string }[] }
      expect(older.messages.map((m) => m.text)).toEqual(['m1', 'm2'])
      socket.send({ action: 'history' })
      expect(((await socket.nextAction('history')).data as { messages: unknown[] }).messages).toHaveLength(5)

      const http = await api(
        fixture.chat.base,
        'GET',
        `/api/rooms/${room}/messages?limit=2&before=${ids[3]}`,
        undefined,
        { cookie },
      )
      expect((http.body as { messages: { text: string }[] }).messages.map((m) => m.text)).toEqual([
        'm1',
        'm2',
      ])
      const all = await api(fixture.chat.base, 'GET', `/api/rooms/${room}/messages?limit=999`, undefined, {
        cookie,
      })
      expect((all.body as { messages: unknown[] }).messages).toHaveLength(5)
    })

    it('answers invalid_message for malformed history parameters', async () => {
      const { socket } = await member(uniqueRoom())
      for (const data of [{ limit: 'x' }, { before: -1 }, { limit: 0 }, [1]]) {
        socket.send({ action: 'history', data })
        expect(await socket.next()).toEqual({ action: 'error', data: { code: 'invalid_message' } })
      }
    })
  })
})
