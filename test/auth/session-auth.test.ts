import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { AuthMiddleware, AuthMiddlewareStack } from '../../src/auth/auth-middleware.js'
import { authenticate, createUser, setPassword } from '../../src/auth/authenticate.js'
import { Pbkdf2Sha256Hasher } from '../../src/auth/hashers/pbkdf2-hasher.js'
import { LazyUser } from '../../src/auth/lazy-user.js'
import { LoginAttemptLimiter } from '../../src/auth/login-attempt-limiter.js'
import { InMemoryUserStore } from '../../src/auth/memory-user-store.js'
import { getUser, login, logout, updateSessionAuthHash } from '../../src/auth/session-auth.js'
import { AnonymousUser } from '../../src/auth/user.js'
import type { AnyUser } from '../../src/auth/user.js'
import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { ImproperlyConfigured, TooManyLoginAttempts } from '../../src/errors.js'
import { BaseMiddleware } from '../../src/middleware/base-middleware.js'
import { InMemorySessionStore } from '../../src/sessions/memory-store.js'
import { createSessionHandoff, SessionHandoff } from '../../src/sessions/session-handoff.js'
import { configureSettings, resetSettings } from '../../src/settings.js'
import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { Application, Scope } from '../../src/types.js'
import { httpApp, setCookieValue } from '../sessions/helpers.js'

const SECRET = 'test-secret-key-that-is-long-enough-0123456789'
const hashers = [new Pbkdf2Sha256Hasher({ iterations: 1000 })]

let users: InMemoryUserStore
let sessions: InMemorySessionStore

beforeEach(() => {
  configureSettings({ secretKey: SECRET }, { env: {} })
  users = new InMemoryUserStore()
  sessions = new InMemorySessionStore({ sweepIntervalMs: 0 })
})
afterEach(async () => {
  resetSettings()
  await sessions.close()
})

const stack = (inner: Application): Application => AuthMiddlewareStack(inner, { store: sessions, users })
const sessionOf = (scope: Scope) => (scope.type === 'channel' ? undefined : scope.session)!
const userOf = (scope: Scope): Promise<AnyUser> =>
  scope.type === 'channel' || scope.user === undefined
    ? Promise.resolve(new AnonymousUser())
    : scope.user.then((u) => u)

/** An HTTP app that reports `await scope.user` as JSON. */
const whoami = (): Application =>
  stack(async (scope, receive, send) => {
    await receive()
    const user = await userOf(scope)
    await send({ type: 'http.response.start', status: 200, headers: [] })
    await send({ type: 'http.response.body', body: new TextEncoder().encode(user.username || 'anonymous') })
  })

async function whoIs(cookie: string): Promise<string> {
  const response = await new HttpCommunicator(whoami(), 'GET', '/', {
    headers: [['cookie', `sessionid=${cookie}`]],
  }).getResponse()
  return response.text
}

/** Logs `username` in over HTTP and returns the session cookie. */
async function loginOverHttp(username: string, password: string): Promise<string> {
  const app = stack(
    httpApp(async (scope) => {
      const user = await authenticate(users, username, password, { hashers })
      if (user !== null) await login(scope, user)
    }),
  )
  const response = await new HttpCommunicator(app, 'POST', '/login').getResponse()
  return setCookieValue(response.headers, 'sessionid')!
}

describe('AuthMiddleware', () => {
  it('throws ImproperlyConfigured without SessionMiddleware outside it', async () => {
    const communicator = new HttpCommunicator(AuthMiddleware(httpApp(() => {})), 'GET', '/')
    await expect(communicator.getResponse()).rejects.toThrow(/SessionMiddleware/)
  })

  it('gives an anonymous user to a connection without a session', async () => {
    const communicator = new HttpCommunicator(whoami(), 'GET', '/')
    expect((await communicator.getResponse()).text).toBe('anonymous')
  })

  it('loads scope.user lazily, only when awaited', async () => {
    await createUser(users, 'ada', 'pw', { hashers })
    const cookie = await loginOverHttp('ada', 'pw')
    const spy = vi.spyOn(users, 'getById')
    const app = stack(httpApp(() => {}))
    await new HttpCommunicator(app, 'GET', '/', {
      headers: [['cookie', `sessionid=${cookie}`]],
    }).getResponse()
    expect(spy).not.toHaveBeenCalled()
    expect(await whoIs(cookie)).toBe('ada')
    expect(spy).toHaveBeenCalledOnce()
  })

  it('keeps scope.user read-only', async () => {
    let scope: Scope | undefined
    await new HttpCommunicator(stack(httpApp((s) => void (scope = s))), 'GET', '/').getResponse()
    expect(scope?.type !== 'channel' && scope?.user).toBeInstanceOf(LazyUser)
    // @ts-expect-error scope.user is read-only
    if (scope?.type === 'http') scope.user = undefined
  })
})

describe('login', () => {
  it('changes the session key and stores the user', async () => {
    const ada = await createUser(users, 'ada', 'pw', { hashers })
    const before = await sessions.save(null, { cart: [1] }, new Date(Date.now() + 60_000))
    let after: string | null = null
    const app = stack(
      httpApp(async (scope) => {
        await login(scope, ada)
        expect((await userOf(scope)).username).toBe('ada')
        after = sessionOf(scope).sessionKey
      }),
    )
    const response = await new HttpCommunicator(app, 'POST', '/', {
      headers: [['cookie', `sessionid=${before}`]],
    }).getResponse()
    const cookie = setCookieValue(response.headers, 'sessionid')!
    expect(after).toBeNull()
    expect(cookie).not.toBe(before)
    expect(await sessions.load(before)).toBeNull()
    expect(await sessions.load(cookie)).toMatchObject({ cart: [1], _auth_user_id: ada.id })
    expect(await whoIs(before)).toBe('anonymous')
    expect(await whoIs(cookie)).toBe('ada')
  })

  it('inside a WebSocket consumer, then save(), is seen by an HTTP request with the session cookie', async () => {
    await createUser(users, 'ada', 'pw', { hashers })
    let sessionKey: string | null = null
    class LoginConsumer extends JsonWebsocketConsumer<{ username: string; password: string }> {
      override async receiveJson(content: { username: string; password: string }) {
        const user = await authenticate(users, content.username, content.password, { hashers })
        if (user === null) return this.sendJson({ ok: false })
        await login(this.scope, user)
        await this.scope.session!.save()
        sessionKey = this.scope.session!.sessionKey
        await this.sendJson({ ok: true, user: (await this.scope.user!).username })
      }
    }
    const anonymous = await sessions.save(null, { theme: 'dark' }, new Date(Date.now() + 60_000))
    const communicator = new WebsocketCommunicator(stack(LoginConsumer.asApp()), '/ws/', {
      headers: [['cookie', `sessionid=${anonymous}`]],
    })
    await communicator.connect()
    await communicator.sendJsonTo({ username: 'ada', password: 'pw' })
    expect(await communicator.receiveJsonFrom()).toEqual({ ok: true, user: 'ada' })
    await communicator.disconnect()
    // The login moved the session to a new key (no fixation): the key the
    // browser held before is logged out, the new one is logged in.
    expect(sessionKey).not.toBe(anonymous)
    expect(await whoIs(sessionKey!)).toBe('ada')
    expect(await whoIs(anonymous)).toBe('anonymous')
  })

  it('hands a WebSocket login to the browser cookie through a one-time handoff code', async () => {
    await createUser(users, 'ada', 'pw', { hashers })
    class LoginConsumer extends JsonWebsocketConsumer<{ username: string; password: string }> {
      override async receiveJson(content: { username: string; password: string }) {
        const user = await authenticate(users, content.username, content.password, { hashers })
        if (user === null) return this.sendJson({ ok: false })
        await login(this.scope, user)
        await this.sendJson({ ok: true, handoff: await createSessionHandoff(this.scope) })
      }
    }
    const communicator = new WebsocketCommunicator(stack(LoginConsumer.asApp()), '/ws/')
    await communicator.connect()
    await communicator.sendJsonTo({ username: 'ada', password: 'pw' })
    const { handoff } = (await communicator.receiveJsonFrom()) as { handoff: string }
    await communicator.disconnect()

    const redeem = () =>
      new HttpCommunicator(SessionHandoff({ store: sessions }), 'POST', '/', { body: handoff }).getResponse()
    const response = await redeem()
    expect(response.status).toBe(204)
    const cookie = setCookieValue(response.headers, 'sessionid')!
    expect(await whoIs(cookie)).toBe('ada')
    expect((await redeem()).status).toBe(400)
  })

  it('a WebSocket change saved with save() is seen by HTTP with the same cookie', async () => {
    class Seed extends WebsocketConsumer {
      override async connect() {
        this.scope.session!.set('seed', 42)
        await this.scope.session!.save()
        await this.accept()
      }
    }
    const key = await sessions.save(null, { seed: 0 }, new Date(Date.now() + 60_000))
    const communicator = new WebsocketCommunicator(stack(Seed.asApp()), '/', {
      headers: [['cookie', `sessionid=${key}`]],
    })
    await communicator.connect()
    await communicator.disconnect()
    let seed: unknown
    const app = stack(httpApp((scope) => void (seed = sessionOf(scope).get('seed'))))
    await new HttpCommunicator(app, 'GET', '/', { headers: [['cookie', `sessionid=${key}`]] }).getResponse()
    expect(seed).toBe(42)
  })

  it('throws ImproperlyConfigured without a session', async () => {
    const ada = await createUser(users, 'ada', 'pw', { hashers })
    const scope = { type: 'http' } as Scope
    await expect(login(scope, ada)).rejects.toThrow(ImproperlyConfigured)
  })
})

describe('logout', () => {
  it('flushes the session, deletes the cookie and makes the user anonymous', async () => {
    await createUser(users, 'ada', 'pw', { hashers })
    const cookie = await loginOverHttp('ada', 'pw')
    let after: AnyUser | undefined
    const app = stack(
      httpApp(async (scope) => {
        await logout(scope)
        after = await userOf(scope)
      }),
    )
    const response = await new HttpCommunicator(app, 'POST', '/logout', {
      headers: [['cookie', `sessionid=${cookie}`]],
    }).getResponse()
    expect(after?.isAuthenticated).toBe(false)
    expect(setCookieValue(response.headers, 'sessionid')).toBe('')
    expect(await sessions.load(cookie)).toBeNull()
    expect(await whoIs(cookie)).toBe('anonymous')
  })

  it('works inside a WebSocket consumer', async () => {
    await createUser(users, 'ada', 'pw', { hashers })
    const cookie = await loginOverHttp('ada', 'pw')
    class LogoutConsumer extends WebsocketConsumer {
      override async receive() {
        await logout(this.scope)
        await this.send({ text: String((await this.scope.user!).isAuthenticated) })
      }
    }
    const communicator = new WebsocketCommunicator(stack(LogoutConsumer.asApp()), '/', {
      headers: [['cookie', `sessionid=${cookie}`]],
    })
    await communicator.connect()
    await communicator.sendTo('logout')
    expect(await communicator.receiveFrom()).toBe('false')
    await communicator.disconnect()
    expect(await whoIs(cookie)).toBe('anonymous')
  })
})

describe('getUser', () => {
  it('logs out every other session when the password changes', async () => {
    const ada = await createUser(users, 'ada', 'old password', { hashers })
    const laptop = await loginOverHttp('ada', 'old password')
    const phone = await loginOverHttp('ada', 'old password')
    expect(await whoIs(laptop)).toBe('ada')
    expect(await whoIs(phone)).toBe('ada')

    // The laptop changes the password and keeps its own session.
    const app = stack(
      httpApp(async (scope) => {
        const updated = await setPassword(users, ada, 'new password', { hashers })
        await updateSessionAuthHash(scope, updated)
      }),
    )
    const response = await new HttpCommunicator(app, 'POST', '/password', {
      headers: [['cookie', `sessionid=${laptop}`]],
    }).getResponse()
    const laptopNow = setCookieValue(response.headers, 'sessionid')!
    expect(await whoIs(laptopNow)).toBe('ada')
    expect(await whoIs(phone)).toBe('anonymous')
    expect(await sessions.load(phone)).toBeNull()
  })

  it('lets a long-lived WebSocket consumer notice a password change made elsewhere', async () => {
    const ada = await createUser(users, 'ada', 'pw', { hashers })
    const cookie = await loginOverHttp('ada', 'pw')
    class Recheck extends WebsocketConsumer {
      override async receive() {
        const user = await getUser(this.scope)
        await this.send({ text: user.isAuthenticated ? 'still in' : 'logged out' })
      }
    }
    const communicator = new WebsocketCommunicator(stack(Recheck.asApp()), '/', {
      headers: [['cookie', `sessionid=${cookie}`]],
    })
    await communicator.connect()
    await communicator.sendTo('check')
    expect(await communicator.receiveFrom()).toBe('still in')
    await setPassword(users, ada, 'changed', { hashers })
    await communicator.sendTo('check')
    expect(await communicator.receiveFrom()).toBe('logged out')
    await communicator.disconnect()
  })

  it('treats an inactive or deleted user as anonymous', async () => {
    const ada = await createUser(users, 'ada', 'pw', { hashers })
    const cookie = await loginOverHttp('ada', 'pw')
    await users.setActive(ada.id, false)
    expect(await whoIs(cookie)).toBe('anonymous')
  })
})

describe('authenticate', () => {
  it('returns the user for the right password and null otherwise', async () => {
    await createUser(users, 'ada', 'pw', { hashers })
    expect((await authenticate(users, 'ada', 'pw', { hashers }))?.username).toBe('ada')
    expect(await authenticate(users, 'ada', 'wrong', { hashers })).toBeNull()
    expect(await authenticate(users, 'nobody', 'pw', { hashers })).toBeNull()
  })

  it('refuses an inactive user', async () => {
    await createUser(users, 'ada', 'pw', { hashers, isActive: false })
    expect(await authenticate(users, 'ada', 'pw', { hashers })).toBeNull()
  })

  it('limits login attempts per username, refusing even the right password', async () => {
    await createUser(users, 'ada', 'pw', { hashers })
    const limiter = new LoginAttemptLimiter({ perUsername: 3, windowSeconds: 60 })
    for (let i = 0; i < 3; i++)
      expect(await authenticate(users, 'ada', 'bad', { hashers, limiter })).toBeNull()
    const attempt = authenticate(users, 'ada', 'pw', { hashers, limiter })
    await expect(attempt).rejects.toThrow(TooManyLoginAttempts)
    await expect(authenticate(users, 'ada', 'pw', { hashers, limiter })).rejects.toMatchObject({
      closeCode: 4429,
      status: 429,
    })
  })

  it('limits login attempts per address across usernames', async () => {
    const limiter = new LoginAttemptLimiter({ perUsername: 100, perAddress: 2, windowSeconds: 60 })
    await authenticate(users, 'a', 'x', { hashers, limiter, address: '10.0.0.1' })
    await authenticate(users, 'b', 'x', { hashers, limiter, address: '10.0.0.1' })
    await expect(authenticate(users, 'c', 'x', { hashers, limiter, address: '10.0.0.1' })).rejects.toThrow(
      TooManyLoginAttempts,
    )
    expect(await authenticate(users, 'c', 'x', { hashers, limiter, address: '10.0.0.2' })).toBeNull()
  })

  it('upgrades a weaker stored hash after a successful login', async () => {
    await createUser(users, 'ada', 'pw', { hashers })
    const stronger = [new Pbkdf2Sha256Hasher({ iterations: 2000 })]
    const user = await authenticate(users, 'ada', 'pw', { hashers: stronger })
    expect(user?.passwordHash).toMatch(/^pbkdf2_sha256\$2000\$/)
  })
})

describe('the QueryAuthMiddleware pattern from the Channels docs', () => {
  // Insecure, exactly like the documented example: the user id comes from the query string.
  class QueryAuthMiddleware extends BaseMiddleware {
    protected override async populateScope(scope: Scope): Promise<void> {
      if (scope.type === 'channel') return
      const user = (await users.getById(scope.queryString)) ?? new AnonymousUser()
      ;(scope as { user?: LazyUser }).user = LazyUser.of(user)
    }
  }

  it('puts the user named by the query string into scope.user', async () => {
    const ada = await createUser(users, 'ada', 'pw', { hashers })
    class Hello extends WebsocketConsumer {
      override async connect() {
        const user = await this.scope.user!
        await this.accept()
        await this.send({ text: `hello ${user.isAuthenticated ? user.username : 'stranger'}` })
      }
    }
    const app = QueryAuthMiddleware.wrap(Hello.asApp())
    const known = new WebsocketCommunicator(app, `/?${ada.id}`)
    await known.connect()
    expect(await known.receiveFrom()).toBe('hello ada')
    await known.disconnect()
    const unknown = new WebsocketCommunicator(app, '/?999')
    await unknown.connect()
    expect(await unknown.receiveFrom()).toBe('hello stranger')
    await unknown.disconnect()
  })
})

describe('getUser on a read-only session store', () => {
  /** The in-memory store, marked read-only the way Django's stores are by default. */
  class ReadOnlyView extends InMemorySessionStore {
    readonly readOnly = true
  }

  it('answers a session whose password changed with the anonymous user and leaves the session stored', async () => {
    const store = new ReadOnlyView({ sweepIntervalMs: 0 })
    const ada = await createUser(users, 'ada', 'correct horse battery staple', { hashers })
    // A session another system wrote, logged in before the password changed.
    const data = { _auth_user_id: ada.id, _auth_user_hash: 'a-hash-from-before-the-password-change' }
    const key = await store.save(null, data, new Date(Date.now() + 60_000))
    const deleted = vi.spyOn(store, 'delete')
    const app = AuthMiddlewareStack(
      async (scope, _receive, send) => {
        const user = await userOf(scope)
        await send({ type: 'websocket.close', code: user.isAuthenticated ? 1000 : 4401 })
      },
      { store, users },
    )
    const result = await new WebsocketCommunicator(app, '/', {
      headers: [['cookie', `sessionid=${key}`]],
    }).connect()
    expect(result.closeCode).toBe(4401)
    expect(deleted).not.toHaveBeenCalled()
    expect(await store.load(key)).toEqual(data)
    await store.close()
  })
})
