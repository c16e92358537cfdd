import { afterEach, describe, expect, it } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { WebsocketCsrfMiddleware } from '../../src/security/csrf-middleware.js'
import { checkCsrfToken, getCsrfToken } from '../../src/security/csrf-token.js'
import { InMemorySessionStore } from '../../src/sessions/memory-store.js'
import { Session } from '../../src/sessions/session.js'
import { SessionMiddlewareStack } from '../../src/sessions/session-middleware.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'

const stores: InMemorySessionStore[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
})

/** A session holding a CSRF secret, and a token for it. */
async function sessionWithToken(): Promise<{ store: InMemorySessionStore; key: string; token: string }> {
  const store = new InMemorySessionStore({ sweepIntervalMs: 0 })
  stores.push(store)
  const session = await Session.load(store, null)
  const token = getCsrfToken({ type: 'http', session } as never)
  await session.save()
  return { store, key: session.sessionKey!, token }
}

class Echo extends WebsocketConsumer {
  override async connect() {
    await this.accept()
    await this.send({ text: 'welcome' })
  }
  override async receive({ text }: ReceivedData) {
    await this.send({ text: `echo ${text}` })
  }
}

describe('getCsrfToken', () => {
  it('returns a different, valid token on every call', async () => {
    const session = await Session.load(new InMemorySessionStore({ sweepIntervalMs: 0 }), null)
    const scope = { type: 'http', session } as never
    const a = getCsrfToken(scope)
    const b = getCsrfToken(scope)
    expect(a).not.toBe(b)
    expect(checkCsrfToken(session, a)).toBe(true)
    expect(checkCsrfToken(session, b)).toBe(true)
    expect(checkCsrfToken(session, `${a}x`)).toBe(false)
    expect(checkCsrfToken(session, undefined)).toBe(false)
  })
})

describe('WebsocketCsrfMiddleware', () => {
  describe("with source 'query'", () => {
    const app = (store: InMemorySessionStore) =>
      SessionMiddlewareStack(WebsocketCsrfMiddleware(Echo.asApp()), { store })

    it('accepts a connection with the right token', async () => {
      const { store, key, token } = await sessionWithToken()
      const communicator = new WebsocketCommunicator(
        app(store),
        `/?csrf_token=${encodeURIComponent(token)}`,
        {
          headers: [['cookie', `sessionid=${key}`]],
        },
      )
      expect((await communicator.connect()).connected).toBe(true)
      await communicator.disconnect()
    })

    it('refuses the handshake (403) with a missing or wrong token', async () => {
      const { store, key, token } = await sessionWithToken()
      // The last character is changed to one it cannot already be, so the token is always wrong.
      const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')
      for (const query of ['', `?csrf_token=${wrong}`]) {
        const communicator = new WebsocketCommunicator(app(store), `/${query}`, {
          headers: [['cookie', `sessionid=${key}`]],
        })
        expect(await communicator.connect()).toMatchObject({ connected: false, closeCode: 1000 })
      }
    })

    it("refuses a token from another user's session", async () => {
      const mine = await sessionWithToken()
      const theirs = await sessionWithToken()
      const communicator = new WebsocketCommunicator(
        app(mine.store),
        `/?csrf_token=${encodeURIComponent(theirs.token)}`,
        {
          headers: [['cookie', `sessionid=${mine.key}`]],
        },
      )
      expect((await communicator.connect()).connected).toBe(false)
    })
  })

  describe("with source 'message'", () => {
    const app = (store: InMemorySessionStore) =>
      SessionMiddlewareStack(
        WebsocketCsrfMiddleware(Echo.asApp(), { source: 'message', messageTimeoutMs: 200 }),
        {
          store,
        },
      )

    it('holds the application back until the first message proves the token', async () => {
      const { store, key, token } = await sessionWithToken()
      const communicator = new WebsocketCommunicator(app(store), '/', {
        headers: [['cookie', `sessionid=${key}`]],
      })
      expect((await communicator.connect()).connected).toBe(true)
      expect(await communicator.receiveNothing(50)).toBe(true)
      await communicator.sendJsonTo({ csrfToken: token })
      expect(await communicator.receiveFrom()).toBe('welcome')
      await communicator.sendTo('hi')
      expect(await communicator.receiveFrom()).toBe('echo hi')
      await communicator.disconnect()
    })

    it('closes with 4403 when the first message has a wrong token', async () => {
      const { store, key } = await sessionWithToken()
      const communicator = new WebsocketCommunicator(app(store), '/', {
        headers: [['cookie', `sessionid=${key}`]],
      })
      await communicator.connect()
      await communicator.sendTo('not-the-token')
      expect(await communicator.receiveOutput()).toMatchObject({ type: 'websocket.close', code: 4403 })
      expect(await communicator.receiveNothing(50)).toBe(true)
    })

    it('closes with 4403 when no token comes in time', async () => {
      const { store, key } = await sessionWithToken()
      const communicator = new WebsocketCommunicator(app(store), '/', {
        headers: [['cookie', `sessionid=${key}`]],
      })
      await communicator.connect()
      expect(await communicator.receiveOutput(1000)).toMatchObject({ type: 'websocket.close', code: 4403 })
    })
  })
})
