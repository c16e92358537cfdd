import { describe, expect, it } from 'vitest'

import { joinWithCookie, uniqueRoom } from './harness.js'
import { useChat } from './websocket-fixture.js'

const fixture = useChat()
const { member } = fixture

interface Position {
  group: string
  epoch: string
  offset: number
}

describe('chat WebSocket: a dropped connection recovers what it missed', () => {
  it('a client that resumes from its last position gets the messages it missed, in order, once', async () => {
    const room = uniqueRoom()
    const speaker = await member(room, 'speaker')
    const reader = await member(room, 'reader')
    await speaker.socket.nextAction('presence')
    speaker.socket.send({ action: 'message', data: { text: 'one' } })
    const seen = await reader.socket.nextAction('message')
    const position = seen.__position as Position
    expect(position.group).toBe(`chat.room.${room}`)
    expect(position.offset).toBeGreaterThan(0)

    await reader.socket.close()
    for (const text of ['two', 'three']) {
      speaker.socket.send({ action: 'message', data: { text } })
      await speaker.socket.nextAction('message')
    }
    const back = await joinWithCookie(fixture.chat, room, reader.cookie)
    fixture.track(back.socket)
    back.socket.send({
      type: 'resume',
      positions: { [position.group]: { epoch: position.epoch, offset: position.offset } },
    })
    expect(await back.socket.next()).toEqual({
      type: 'resumed',
      groups: { [position.group]: { recovered: true, epoch: position.epoch, offset: position.offset + 2 } },
    })
    const missed = [await back.socket.nextAction('message'), await back.socket.nextAction('message')]
    expect(missed.map((frame) => (frame.data as { text: string }).text)).toEqual(['two', 'three'])
    expect(missed.map((frame) => (frame.__position as Position).offset)).toEqual([
      position.offset + 1,
      position.offset + 2,
    ])
    speaker.socket.send({ action: 'message', data: { text: 'four' } })
    const live = await back.socket.nextAction('message')
    expect([(live.data as { text: string }).text, (live.__position as Position).offset]).toEqual([
      'four',
      position.offset + 3,
    ])
  })

  it('a position the room no longer knows gets recovered: false and the latest page from the database', async () => {
    const room = uniqueRoom()
    const speaker = await member(room, 'speaker')
    speaker.socket.send({ action: 'message', data: { text: 'kept in the database' } })
    await speaker.socket.nextAction('message')
    const other = await member(room, 'other')
    other.socket.send({
      type: 'resume',
      positions: { [`chat.room.${room}`]: { epoch: 'lost-in-a-restart', offset: 3 } },
    })
    expect(await other.socket.next()).toMatchObject({
      type: 'resumed',
      groups: { [`chat.room.${room}`]: { recovered: false } },
    })
    const page = await other.socket.nextAction('history')
    expect(
      (page.data as { messages: Array<{ text: string }> }).messages.map((message) => message.text),
    ).toEqual(['kept in the database'])
  })

  it('answers the client heartbeat ping with a pong', async () => {
    const room = uniqueRoom()
    const reader = await member(room, 'reader')
    reader.socket.send({ type: 'ping' })
    expect(await reader.socket.next()).toEqual({ type: 'pong' })
  })

  it('refuses a second resume on one connection with invalid_message', async () => {
    const room = uniqueRoom()
    const reader = await member(room, 'reader')
    const positions = { [`chat.room.${room}`]: { epoch: 'unknown', offset: 0 } }
    reader.socket.send({ type: 'resume', positions })
    expect(await reader.socket.next()).toMatchObject({ type: 'resumed' })
    reader.socket.send({ type: 'resume', positions })
    expect(await reader.socket.nextAction('error')).toMatchObject({ data: { code: 'invalid_message' } })
  })
})
