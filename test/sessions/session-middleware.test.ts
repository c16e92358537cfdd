import { afterEach, describe, expect, it } from 'vitest'

import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { CookieMiddleware, parseCookies } from '../../src/sessions/cookie-middleware.js'
import { InMemorySessionStore } from '../../src/sessions/memory-store.js'
import { SessionMiddleware, SessionMiddlewareStack } from '../../src/sessions/session-middleware.js'
import { configureSettings, resetSettings } from '../../src/settings.js'
import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { Application, Scope } from '../../src/types.js'
import { websocketScope } from '../routing/recorder.js'
import { httpApp, setCookieValue, setCookies } from './helpers.js'

const sessionOf = (scope: Scope) => (scope.type === 'channel' ? undefined : scope.session)!

function newStore(): InMemorySessionStore {
  return new InMemorySessionStore({ sweepIntervalMs: 0 })
}

afterEach(() => resetSettings())

describe('CookieMiddleware', () => {
  it('parses the Cookie header into scope.cookies without changing the outer scope', async () => {
    let seen: Scope | undefined
    const app = CookieMiddleware(httpApp((scope) => void (seen = scope)))
    const communicator = new HttpCommunicator(app, 'GET', '/', {
      headers: [
        ['cookie', 'a=1; b=hello%20world'],
        ['cookie', 'a=2; c=3'],
      ],
    })
    await communicator.getResponse()
    expect(seen?.type !== 'channel' && seen?.cookies).toEqual({ a: '1', b: 'hello world', c: '3' })
    expect('cookies' in communicator.scope).toBe(false)
  })

  it('keeps cookies named like Object members as plain cookies, in a frozen map without a prototype', () => {
    const cookies = parseCookies([['cookie', '__proto__=evil; toString=1; constructor=x; a=b']])
    expect(Object.getPrototypeOf(cookies)).toBe(null)
    expect(Object.keys(cookies)).toEqual(['__proto__', 'toString', 'constructor', 'a'])
    expect(cookies['__proto__']).toBe('evil')
    expect(Object.getOwnPropertyDescriptor(cookies, 'toString')?.value).toBe('1')
    expect(Object.isFrozen(cookies)).toBe(true)
  })

  it('gives every request without a Cookie header the same empty, frozen map', () => {
    const none = parseCookies([['host', 'example.com']])
    expect(none).toEqual({})
    expect(parseCookies([])).toBe(none)
    expect(Object.isFrozen(none)).toBe(true)
    expect(Object.getPrototypeOf(none)).toBe(null)
    expect('toString' in none).toBe(false)
  })
})

describe('SessionMiddleware', () => {
  it('starts the inner application at once and returns its own promise when no session cookie was sent', async () => {
    let seen: Scope | undefined
    let finish!: () => void
    const running = new Promise<void>((resolve) => (finish = resolve))
    const inner: Application = (scope) => {
      seen = scope
      return running
    }
    const store = newStore()
    const scope = { ...websocketScope('/ws/'), cookies: {} } as Scope
    const returned = SessionMiddleware(inner, { store })(
      scope,
      () => new Promise(() => {}),
      async () => {},
    )
    expect(returned).toBe(running)
    expect(sessionOf(seen!).sessionKey).toBeNull()
    finish()
    await returned
  })

  it('throws ImproperlyConfigured without CookieMiddleware outside it', async () => {
    const communicator = new HttpCommunicator(SessionMiddleware(httpApp(() => {})), 'GET', '/')
    await expect(communicator.getResponse()).rejects.toThrow(ImproperlyConfigured)
  })

  it('refuses bad options at construction', () => {
    const inner = httpApp(() => {})
    expect(() => SessionMiddleware(inner, { cookieName: 'bad name' })).toThrow(ImproperlyConfigured)
    expect(() => SessionMiddleware(inner, { cookieAge: -1 })).toThrow(ImproperlyConfigured)
    expect(() => SessionMiddleware(inner, { cookieSameSite: 'none' })).toThrow(/cookieSecure/)
  })

  describe('over HTTP', () => {
    it('saves a modified session and sets a safe cookie for a 200 response', async () => {
      const store = newStore()
      const app = SessionMiddlewareStack(
        httpApp((scope) => sessionOf(scope).set('seed', 7)),
        { store },
      )
      const response = await new HttpCommunicator(app, 'GET', '/').getResponse()
      const [cookie] = setCookies(response.headers)
      expect(cookie).toMatch(/^sessionid=[\w-]{32}; /)
      expect(cookie).toMatch(/HttpOnly/)
      expect(cookie).toMatch(/SameSite=Lax/)
      expect(cookie).toMatch(/Path=\//)
      expect(cookie).toMatch(/Max-Age=1209600/)
      expect(cookie).not.toMatch(/Secure/)
      const key = setCookieValue(response.headers, 'sessionid')!
      expect(await store.load(key)).toEqual({ seed: 7 })
    })

    it('does not save the session or set a cookie for a 500 response', async () => {
      const store = newStore()
      let key: string | null = 'unset'
      const app = SessionMiddlewareStack(
        httpApp((scope) => {
          sessionOf(scope).set('seed', 7)
          key = sessionOf(scope).sessionKey
        }, 500),
        { store },
      )
      const response = await new HttpCommunicator(app, 'GET', '/').getResponse()
      expect(response.status).toBe(500)
      expect(setCookies(response.headers)).toEqual([])
      expect(key).toBeNull()
    })

    it('loads the session named by the cookie', async () => {
      const store = newStore()
      const key = await store.save(null, { seed: 3 }, new Date(Date.now() + 60_000))
      let seed: unknown
      const app = SessionMiddlewareStack(
        httpApp((scope) => void (seed = sessionOf(scope).get('seed'))),
        { store },
      )
      const response = await new HttpCommunicator(app, 'GET', '/', {
        headers: [['cookie', `sessionid=${key}`]],
      }).getResponse()
      expect(seed).toBe(3)
      expect(setCookies(response.headers)).toEqual([])
      expect(response.headers).toContainEqual(['vary', 'Cookie'])
    })

    it('saves an unmodified session on every request with saveEveryRequest', async () => {
      const store = newStore()
      const key = await store.save(null, { seed: 3 }, new Date(Date.now() + 60_000))
      const app = SessionMiddlewareStack(
        httpApp(() => {}),
        { store, saveEveryRequest: true },
      )
      const response = await new HttpCommunicator(app, 'GET', '/', {
        headers: [['cookie', `sessionid=${key}`]],
      }).getResponse()
      expect(setCookieValue(response.headers, 'sessionid')).toBe(key)
    })

    it('applies the cookie settings', async () => {
      const app = SessionMiddlewareStack(
        httpApp((scope) => sessionOf(scope).set('x', 1)),
        {
          store: newStore(),
          cookieName: 'sid',
          cookieAge: 60,
          cookieDomain: 'example.com',
          cookiePath: '/app',
          cookieSecure: true,
          cookieSameSite: 'strict',
        },
      )
      const response = await new HttpCommunicator(app, 'GET', '/').getResponse()
      const [cookie] = setCookies(response.headers)
      expect(cookie).toMatch(/^sid=/)
      expect(cookie).toMatch(/Max-Age=60/)
      expect(cookie).toMatch(/Domain=example.com/)
      expect(cookie).toMatch(/Path=\/app/)
      expect(cookie).toMatch(/Secure/)
      expect(cookie).toMatch(/SameSite=Strict/)
    })

    it('deletes the cookie after a flush', async () => {
      const store = newStore()
      const key = await store.save(null, { seed: 3 }, new Date(Date.now() + 60_000))
      const app = SessionMiddlewareStack(
        httpApp((scope) => sessionOf(scope).flush()),
        { store },
      )
      const response = await new HttpCommunicator(app, 'GET', '/', {
        headers: [['cookie', `sessionid=${key}`]],
      }).getResponse()
      expect(setCookies(response.headers)[0]).toMatch(/^sessionid=; Max-Age=0/)
      expect(await store.load(key)).toBeNull()
    })

    it('ignores an unknown session key and starts a new session', async () => {
      const store = newStore()
      const app = SessionMiddlewareStack(
        httpApp((scope) => sessionOf(scope).set('x', 1)),
        { store },
      )
      const response = await new HttpCommunicator(app, 'GET', '/', {
        headers: [['cookie', 'sessionid=attacker-chosen-key-000000000000000']],
      }).getResponse()
      expect(setCookieValue(response.headers, 'sessionid')).not.toBe('attacker-chosen-key-000000000000000')
    })
  })

  describe('over WebSocket', () => {
    it('populates the session but saves it only on an explicit save()', async () => {
      const store = newStore()
      const key = await store.save(null, { seed: 1 }, new Date(Date.now() + 60_000))
      class Consumer extends WebsocketConsumer {
        override async connect() {
          const session = this.scope.session!
          session.set('seed', (session.get<number>('seed') ?? 0) + 1)
          await this.accept()
        }
        override async receive() {
          await this.scope.session!.save()
          await this.send({ text: 'saved' })
        }
      }
      const communicator = new WebsocketCommunicator(
        SessionMiddlewareStack(Consumer.asApp(), { store }),
        '/',
        {
          headers: [['cookie', `sessionid=${key}`]],
        },
      )
      expect((await communicator.connect()).connected).toBe(true)
      expect(await store.load(key)).toEqual({ seed: 1 })
      await communicator.sendTo('save')
      expect(await communicator.receiveFrom()).toBe('saved')
      expect(await store.load(key)).toEqual({ seed: 2 })
      await communicator.disconnect()
    })
  })

  it('uses the sessionStore setting when given no store', async () => {
    const store = newStore()
    configureSettings({ sessionStore: store }, { env: {} })
    const app = SessionMiddlewareStack(httpApp((scope) => sessionOf(scope).set('via', 'settings')))
    const response = await new HttpCommunicator(app, 'GET', '/').getResponse()
    expect(await store.load(setCookieValue(response.headers, 'sessionid')!)).toEqual({ via: 'settings' })
  })
})
