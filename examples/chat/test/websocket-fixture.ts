/**
 * What the WebSocket contract test files share: one running chat per file,
 * members who join a room with a session cookie, and sockets closed after
 * every test.
 */

import { afterAll, afterEach, beforeAll } from 'vitest'

import { TestSocket, joinWithCookie, sessionCookie, startChat, uniqueUser } from './harness.js'
import type { RunningChat } from './harness.js'

export interface ChatFixture {
  /** The chat of this file, started before its first test. */
  readonly chat: RunningChat
  /** Registers a user, logs in, joins `room`; the socket is closed after the test. */
  member(
    this: void,
    room: string,
    prefix?: string,
  ): Promise<{ socket: TestSocket; username: string; cookie: string; members: string[] }>
  /** Opens a socket to `path` with the chat's origin; closed after the test. */
  open(this: void, path: string, options?: Parameters<typeof TestSocket.open>[1]): Promise<TestSocket>
  /** Keeps `socket` to be closed after the test. */
  track(this: void, socket: TestSocket): void
}

/** Registers the hooks that start and stop a chat for the calling test file. */
export function useChat(): ChatFixture {
  let running: RunningChat | undefined
  const sockets: TestSocket[] = []

  beforeAll(async () => {
    running = await startChat()
  })
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()))
  })
  afterAll(async () => {
    await running?.close()
  })

  const fixture: ChatFixture = {
    get chat(): RunningChat {
      if (running === undefined) throw new Error('the chat starts in beforeAll; use it inside a test')
      return running
    },
    async member(room, prefix = 'user') {
      const username = uniqueUser(prefix)
      const cookie = await sessionCookie(fixture.chat.base, username)
      const { socket, members } = await joinWithCookie(fixture.chat, room, cookie)
      sockets.push(socket)
      return { socket, username, cookie, members }
    },
    async open(path, options = {}) {
      const socket = await TestSocket.open(fixture.chat.wsBase + path, {
        origin: fixture.chat.origin,
        ...options,
      })
      sockets.push(socket)
      return socket
    },
    track(socket) {
      sockets.push(socket)
    },
  }
  return fixture
}

/** The HTTP status a refused handshake got (0 if it was accepted). */
export function refusal(promise: Promise<unknown>): Promise<number> {
  return promise.then(
    () => 0,
    (error: { status?: number }) => error.status ?? -1,
  )
}
