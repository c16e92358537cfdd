import { describe, expect, it } from 'vitest'

import { joinWithCookie, uniqueRoom } from './harness.js'
import { expectRefusedMessages } from './message-input.js'
import { useChat } from './websocket-fixture.js'

const fixture = useChat()
const { member } = fixture

describe('chat WebSocket /ws/chat/<room>/', () => {
  describe('presence', () => {
    it('sends members (sorted, self included) on join, and joined to the others', async () => {
      const room = uniqueRoom()
      const zed = await member(room, 'zed')
      expect(zed.members).toEqual([zed.username])
      const amy = await member(room, 'amy')
      expect(amy.members).toEqual([amy.username, zed.username].sort())
      expect(await zed.socket.next()).toEqual({ action: 'presence', data: { joined: amy.username } })
      expect(await amy.socket.nothing(200)).toBe(true)
    })

    it('announces joined only for the first connection of a user and left only after the last', async () => {
      const room = uniqueRoom()
      const watcher = await member(room, 'watcher')
      const alice = await member(room, 'alice')
      expect(await watcher.socket.next()).toEqual({ action: 'presence', data: { joined: alice.username } })

      const second = await joinWithCookie(fixture.chat, room, alice.cookie)
      fixture.track(second.socket)
      expect(second.members).toEqual([alice.username, watcher.username].sort())
      expect(await watcher.socket.nothing(200)).toBe(true)

      await alice.socket.close()
      expect(await watcher.socket.nothing(200)).toBe(true)
      await second.socket.close()
      expect(await watcher.socket.next()).toEqual({ action: 'presence', data: { left: alice.username } })
    })
  })

  describe('bad input', () => {
    it('answers invalid_json, unknown_action and unsupported, and keeps the connection open', async () => {
      const { socket } = await member(uniqueRoom())
      socket.send('{not json')
      expect(await socket.next()).toEqual({ action: 'error', data: { code: 'invalid_json' } })
      for (const frame of [{ action: 'dance' }, { data: {} }, [1, 2], 'plain string', 42, null]) {
        socket.send(JSON.stringify(frame))
        expect(await socket.next(), JSON.stringify(frame)).toEqual({
          action: 'error',
          data: { code: 'unknown_action' },
        })
      }
      socket.socket.send(Buffer.from([1, 2, 3]))
      expect(await socket.next()).toEqual({ action: 'error', data: { code: 'unsupported' } })
      socket.send({ action: 'message', data: { text: 'still here' } })
      expect((await socket.next()).action).toBe('message')
    })

    it('refuses deeply nested extras, NUL and lone surrogates with invalid_message, storing and broadcasting none of them', async () => {
      const room = uniqueRoom()
      const sender = await member(room, 'sender')
      const watcher = await member(room, 'watcher')
      await sender.socket.nextAction('presence')
      await expectRefusedMessages(fixture.chat, room, sender.cookie, sender.socket, watcher.socket)
    })

    it('sends rate_limited past 20 messages a second and closes with 4429 after 5 s of flooding, leaving others alone', async () => {
      const room = uniqueRoom()
      const flooder = await member(room, 'flooder')
      const bystander = await member(room, 'bystander')
      await flooder.socket.nextAction('presence')
      const started = Date.now()
      let limited = 0
      // Bounded: 100 frames a second for at most 8 seconds.
      for (let i = 0; i < 800 && flooder.socket.socket.readyState === flooder.socket.socket.OPEN; i++) {
        flooder.socket.send({ action: 'userinfo' })
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const closed = await flooder.socket.closed
      expect(closed.code).toBe(4429)
      expect(Date.now() - started).toBeGreaterThanOrEqual(5000)
      for (let i = 0; i < 10_000; i++) {
        const frame = await flooder.socket.next(100).catch(() => null)
        if (frame === null) break
        if ((frame.data as { code?: string }).code === 'rate_limited') limited++
      }
      expect(limited).toBeGreaterThan(100)

      bystander.socket.send({ action: 'message', data: { text: 'unaffected' } })
      expect(((await bystander.socket.nextAction('message')).data as { text: string }).text).toBe(
        'unaffected',
      )
    }, 15_000)
  })
})
