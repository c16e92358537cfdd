/**
 * Messages the chat must refuse with an error frame, never a 1011 close,
 * storing nothing it does not broadcast: shared by the SQLite and the
 * PostgreSQL suites, since each engine refuses different bytes.
 *
 * @module
 */

import { expect } from 'vitest'

import { api } from './harness.js'
import type { RunningChat, TestSocket } from './harness.js'

/** Bad `message` frames, as sent (JSON text), by what is wrong with them. */
export const BAD_MESSAGES: ReadonlyArray<[string, string]> = [
  // 10 KB of nested arrays: it parses, but encoding it again for the broadcast overflows the stack.
  [
    'extra fields nested 5,000 levels deep',
    `{"action":"message","data":{"text":"deep","extra":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
  ],
  ['a NUL character in the text (PostgreSQL text cannot hold it)', message('nul\u0000byte')],
  ['a lone surrogate in the text (no UTF-8 can store it as sent)', message('half \ud83d')],
]

function message(text: string): string {
  return JSON.stringify({ action: 'message', data: { text } })
}

/**
 * Sends each bad message from `sender` and checks: an `invalid_message`
 * error, the connection still open, nothing broadcast to `watcher`, nothing
 * in the room's history.
 */
export async function expectRefusedMessages(
  chat: RunningChat,
  room: string,
  cookie: string,
  sender: TestSocket,
  watcher: TestSocket,
): Promise<void> {
  for (const [what, frame] of BAD_MESSAGES) {
    sender.send(frame)
    expect(await sender.next(), what).toEqual({ action: 'error', data: { code: 'invalid_message' } })
  }
  sender.send({ action: 'message', data: { text: 'after the bad ones' } })
  const echoed = await sender.nextAction('message')
  expect((echoed.data as { text: string }).text).toBe('after the bad ones')
  // The watcher's first message is the good one: nothing bad was broadcast.
  expect(((await watcher.nextAction('message')).data as { text: string }).text).toBe('after the bad ones')
  const history = await api(chat.base, 'GET', `/api/rooms/${room}/messages`, undefined, { cookie })
  expect((history.body as { messages: { text: string }[] }).messages.map((m) => m.text)).toEqual([
    'after the bad ones',
  ])
}
