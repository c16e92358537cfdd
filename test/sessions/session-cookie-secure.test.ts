import { afterEach, describe, expect, it } from 'vitest'

import { ImproperlyConfigured } from '../../src/errors.js'
import { InMemorySessionStore } from '../../src/sessions/memory-store.js'
import { SessionHandoff, createSessionHandoff } from '../../src/sessions/session-handoff.js'
import { SessionMiddlewareStack } from '../../src/sessions/session-middleware.js'
import type { SessionMiddlewareOptions } from '../../src/sessions/session-options.js'
import { configureSettings, resetSettings } from '../../src/settings.js'
import { HttpCommunicator } from '../../src/testing/http-communicator.js'
import type { Application, Scope } from '../../src/types.js'
import { startServer } from '../server/helpers.js'
import { httpApp, setCookies } from './helpers.js'

afterEach(() => resetSettings())

const sessionOf = (scope: Scope) => (scope.type === 'channel' ? undefined : scope.session)!

/** An app that writes to the session, so the response sets the cookie. */
function writing(options: SessionMiddlewareOptions = {}): Application {
  return SessionMiddlewareStack(
    httpApp((scope) => sessionOf(scope).set('seen', true)),
    { store: new InMemorySessionStore({ sweepIntervalMs: 0 }), ...options },
  )
}

/** The session cookie a request with `scheme` gets back. */
async function cookieOver(scheme: 'http' | 'https', options: SessionMiddlewareOptions = {}): Promise<string> {
  const response = await new HttpCommunicator(writing(options), 'GET', '/', {
    scope: { scheme },
  }).getResponse()
  const [cookie] = setCookies(response.headers)
  expect(cookie).toMatch(/^sessionid=/)
  return cookie!
}

const isSecure = (cookie: string) => /;\s*Secure(;|$)/i.test(cookie)

describe('the session cookie Secure attribute', () => {
  it('is set by default for a request that came over HTTPS, and not over plain HTTP', async () => {
    expect(isSecure(await cookieOver('https'))).toBe(true)
    expect(isSecure(await cookieOver('http'))).toBe(false)
  })

  it('follows cookieSecure when the middleware is given one', async () => {
    expect(isSecure(await cookieOver('http', { cookieSecure: true }))).toBe(true)
    expect(isSecure(await cookieOver('https', { cookieSecure: false }))).toBe(false)
    expect(isSecure(await cookieOver('https', { cookieSecure: 'auto' }))).toBe(true)
  })

  it('follows the sessionCookieSecure setting, read when the cookie is set', async () => {
    const app = writing()
    const over = async (scheme: string) =>
      setCookies(
        (await new HttpCommunicator(app, 'GET', '/', { scope: { scheme } }).getResponse()).headers,
      )[0]!
    configureSettings({ sessionCookieSecure: true }, { env: {} })
    expect(isSecure(await over('http'))).toBe(true)
    configureSettings({ sessionCookieSecure: false }, { env: {} })
    expect(isSecure(await over('https'))).toBe(false)
  })

  it('reads SESSION_COOKIE_SECURE from the environment', () => {
    expect(configureSettings({}, { env: {} }).sessionCookieSecure).toBe('auto')
    expect(configureSettings({}, { env: { SESSION_COOKIE_SECURE: 'true' } }).sessionCookieSecure).toBe(true)
    expect(configureSettings({}, { env: { SESSION_COOKIE_SECURE: 'off' } }).sessionCookieSecure).toBe(false)
    expect(configureSettings({}, { env: { SESSION_COOKIE_SECURE: ' Auto ' } }).sessionCookieSecure).toBe(
      'auto',
    )
    expect(() => configureSettings({}, { env: { SESSION_COOKIE_SECURE: 'sometimes' } })).toThrow(
      ImproperlyConfigured,
    )
    expect(() => configureSettings({ sessionCookieSecure: 'yes' as 'auto' }, { env: {} })).toThrow(
      ImproperlyConfigured,
    )
  })

  it('refuses a cookieSecure that is not true, false or auto', () => {
    expect(() => writing({ cookieSecure: 'always' as 'auto' })).toThrow(ImproperlyConfigured)
  })

  it('marks the cookie that ends a session over HTTPS as Secure too', async () => {
    const store = new InMemorySessionStore({ sweepIntervalMs: 0 })
    const key = await store.save(null, { seen: true }, new Date(Date.now() + 60_000))
    const app = SessionMiddlewareStack(
      httpApp((scope) => sessionOf(scope).flush()),
      { store },
    )
    const response = await new HttpCommunicator(app, 'GET', '/', {
      headers: [['cookie', `sessionid=${key}`]],
      scope: { scheme: 'https' },
    }).getResponse()
    const [cookie] = setCookies(response.headers)
    expect(cookie).toMatch(/^sessionid=;/)
    expect(isSecure(cookie!)).toBe(true)
  })

  it('is set by SessionHandoff over HTTPS', async () => {
    const store = new InMemorySessionStore({ sweepIntervalMs: 0 })
    let code = ''
    await new HttpCommunicator(
      SessionMiddlewareStack(
        httpApp(async (scope) => {
          sessionOf(scope).set('user', 1)
          code = await createSessionHandoff(scope)
        }),
        { store },
      ),
      'GET',
      '/',
    ).getResponse()
    const response = await new HttpCommunicator(SessionHandoff({ store }), 'POST', '/', {
      body: new TextEncoder().encode(code),
      scope: { scheme: 'https' },
    }).getResponse()
    expect(response.status).toBe(204)
    expect(isSecure(setCookies(response.headers)[0]!)).toBe(true)
  })

  it('is set behind a proxy that says X-Forwarded-Proto: https, when the server trusts its headers', async () => {
    const request = async (proxyHeaders: boolean) => {
      const { url } = await startServer(writing(), { proxyHeaders })
      const response = await fetch(url, { headers: { 'x-forwarded-proto': 'https' } })
      return response.headers.getSetCookie()[0]!
    }
    expect(isSecure(await request(true))).toBe(true)
    // An untrusted header changes nothing: the connection itself is plain HTTP.
    expect(isSecure(await request(false))).toBe(false)
  })
})
