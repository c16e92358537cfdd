/**
 * Type tests for `tschannels/client`: message maps type what is sent, what
 * arrives and what a request resolves with. Every `@ts-expect-error` marks
 * a mistake the compiler must catch.
 */

import type { ChannelsClient } from 'tschannels/client'
import type { ClientTypes, RecoveredEvent } from 'tschannels/client'

interface ChatTypes extends ClientTypes {
  receive: { 'chat.message': { text: string }; 'user.joined': { username: string } }
  send: { 'chat.send': { text: string }; 'room.members': object }
  replies: { 'room.members': { members: string[] } }
}

export async function typed(client: ChannelsClient<ChatTypes>): Promise<void> {
  client.send({ type: 'chat.send', text: 'hi' })
  // @ts-expect-error: a misspelt type.
  client.send({ type: 'chat.sned', text: 'hi' })
  // @ts-expect-error: a missing field.
  client.send({ type: 'chat.send' })
  client.addEventListener('message', (event) => {
    if (event.data.type === 'chat.message') {
      const text: string = event.data.text
      void text
    }
    // @ts-expect-error: 'user.joined' has no text.
    if (event.data.type === 'user.joined') void event.data.text
  })
  client.addEventListener('recovered', (event: RecoveredEvent) => void event.recovered)
  // @ts-expect-error: no such event.
  client.addEventListener('opened', () => {})
  const { members } = await client.request({ type: 'room.members' })
  const first: string | undefined = members[0]
  void first
}

export function untyped(client: ChannelsClient): void {
  client.send({ anything: [1, 'two'] })
  client.send('a string is JSON too')
  client.addEventListener('message', (event) => {
    const data: unknown = event.data
    void data
  })
}
