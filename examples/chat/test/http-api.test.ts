import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, api, register, sessionCookie, startChat, tokens, uniqueUser } from './harness.js'
import type { RunningChat } from './harness.js'

let chat: RunningChat

beforeAll(async () => {
  chat = await startChat()
})

afterAll(async () => {
  await chat.close()
})

const errorBody = (code: string) => ({ error: { code, message: expect.any(String) as unknown } })

describe('chat HTTP API', () => {
  describe('POST /api/register', () => {
    it('creates a user and answers 201 with its id and username', async () => {
      const username = uniqueUser()
      const response = await api(chat.base, 'POST', '/api/register', { username, password: PASSWORD })
      expect(response.status).toBe(201)
      expect(response.body).toEqual({ id: expect.any(Number) as unknown, username })
    })

    it('stores a username in lower case after NFKC, and refuses its case and compatibility variants with 409', async () => {
      const name = `Alice_${uniqueUser().slice(-8)}`
      const created = await api(chat.base, 'POST', '/api/register', { username: name, password: PASSWORD })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ username: name.toLowerCase() })
      // Fullwidth letters are the same name once NFKC-normalised.
      const fullwidth = [...name].map((c) =>
        /[A-Za-z]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c,
      )
      for (const variant of [name.toLowerCase(), name.toUpperCase(), fullwidth.join('')]) {
        const response = await api(chat.base, 'POST', '/api/register', {
          username: variant,
          password: PASSWORD,
        })
        expect(response.status, variant).toBe(409)
        expect(response.body).toEqual(errorBody('taken'))
      }
    })

    it('answers 409 taken for a username that exists', async () => {
      const username = uniqueUser()
      await register(chat.base, username)
      const response = await api(chat.base, 'POST', '/api/register', { username, password: PASSWORD })
      expect(response.status).toBe(409)
      expect(response.body).toEqual(errorBody('taken'))
    })

    it.each([
      ['a too short username', { username: 'ab', password: PASSWORD }],
      ['a too long username', { username: 'a'.repeat(33), password: PASSWORD }],
      ['a username with a space', { username: 'ada lovelace', password: PASSWORD }],
      ['a username with a slash', { username: 'ada/x', password: PASSWORD }],
      ['a too short password', { username: 'valid_name', password: 'short12' }],
      ['a too long password', { username: 'valid_name', password: 'x'.repeat(129) }],
      ['a missing password', { username: 'valid_name' }],
      ['a number as username', { username: 12345, password: PASSWORD }],
      ['a JSON array', [1, 2]],
      ['a body that is not JSON', 'username=ada'],
    ])('answers 400 invalid for %s', async (_what, body) => {
      const response = await api(chat.base, 'POST', '/api/register', body)
      expect(response.status).toBe(400)
      expect(response.body).toEqual(errorBody('invalid'))
    })

    it('accepts the edge lengths: 3 and 32 characters of username, 8 and 128 of password', async () => {
      const suffix = uniqueUser('').slice(1, 5)
      for (const [username, password] of [
        [`a.${suffix}`.slice(0, 3), 'p'.repeat(8)],
        [`b-${suffix}`.padEnd(32, '_'), 'p'.repeat(128)],
      ] as const) {
        const response = await api(chat.base, 'POST', '/api/register', { username, password })
        expect(response.status, username).toBe(201)
      }
    })

    it('refuses other methods with 405', async () => {
      const response = await api(chat.base, 'GET', '/api/register')
      expect(response.status).toBe(405)
      expect(response.body).toEqual(errorBody('method_not_allowed'))
    })
  })

  describe('POST /api/token', () => {
    it('returns an access and a refresh JWT signed with HS256, the access one living 5 minutes', async () => {
      const pair = await tokens(chat.base, uniqueUser())
      const [header, payload] = pair.access
        .split('.')
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>)
      expect(header!.alg).toBe('HS256')
      expect((payload!.exp as number) - (payload!.iat as number)).toBe(300)
      expect(pair.refresh.split('.')).toHaveLength(3)
    })

    it('answers 401 bad_credentials for a wrong password or an unknown user', async () => {
      const username = uniqueUser()
      await register(chat.base, username)
      const wrong = await api(chat.base, 'POST', '/api/token', { username, password: 'not the password' })
      expect(wrong.status).toBe(401)
      expect(wrong.body).toEqual(errorBody('bad_credentials'))
      const unknown = await api(chat.base, 'POST', '/api/token', {
        username: uniqueUser(),
        password: PASSWORD,
      })
      expect(unknown.status).toBe(401)
      expect(unknown.body).toEqual(errorBody('bad_credentials'))
    })
  })

  describe('POST /api/token/refresh', () => {
    it('returns a new pair, and 401 when the old refresh token is used again', async () => {
      const pair = await tokens(chat.base, uniqueUser())
      const first = await api(chat.base, 'POST', '/api/token/refresh', { refresh: pair.refresh })
      expect(first.status).toBe(200)
      const renewed = first.body as { access: string; refresh: string }
      expect(renewed.access).toEqual(expect.any(String))
      expect(renewed.refresh).not.toBe(pair.refresh)
      const me = await api(chat.base, 'GET', '/api/me', undefined, {
        authorization: `Bearer ${renewed.access}`,
      })
      expect(me.status).toBe(200)

      const reused = await api(chat.base, 'POST', '/api/token/refresh', { refresh: pair.refresh })
      expect(reused.status).toBe(401)
      expect(reused.body).toEqual(errorBody('token_reused'))
      // Reuse revokes the whole family: the token issued from it no longer refreshes either.
      const revoked = await api(chat.base, 'POST', '/api/token/refresh', { refresh: renewed.refresh })
      expect(revoked.status).toBe(401)
    })

    it('answers 401 for an invalid refresh token, and for an access token', async () => {
      const pair = await tokens(chat.base, uniqueUser())
      for (const refresh of ['garbage', pair.access, 42]) {
        const response = await api(chat.base, 'POST', '/api/token/refresh', { refresh })
        expect(response.status).toBe(401)
        expect(response.body).toEqual(errorBody('invalid_token'))
      }
    })
  })

  describe('POST /api/login and /api/logout', () => {
    it('sets an HttpOnly, SameSite=Lax sessionid cookie and answers the username', async () => {
      const username = uniqueUser()
      await register(chat.base, username)
      const response = await api(chat.base, 'POST', '/api/login', { username, password: PASSWORD })
      expect(response.status).toBe(200)
      expect(response.body).toEqual({ username })
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith('sessionid='))
      expect(cookie).toMatch(/HttpOnly/i)
      expect(cookie).toMatch(/SameSite=Lax/i)
      // Served over plain HTTP, 'auto' leaves it usable without TLS.
      expect(cookie).not.toMatch(/Secure/i)
    })

    it('logs in whatever the case of the username, answering its stored form', async () => {
      const username = uniqueUser()
      await register(chat.base, username)
      const response = await api(chat.base, 'POST', '/api/login', {
        username: username.toUpperCase(),
        password: PASSWORD,
      })
      expect(response.status).toBe(200)
      expect(response.body).toEqual({ username })
    })

    it('answers 401 bad_credentials for a wrong password', async () => {
      const username = uniqueUser()
      await register(chat.base, username)
      const response = await api(chat.base, 'POST', '/api/login', { username, password: 'wrong password' })
      expect(response.status).toBe(401)
      expect(response.body).toEqual(errorBody('bad_credentials'))
    })

    it('ends the session on logout with 204', async () => {
      const cookie = await sessionCookie(chat.base, uniqueUser())
      expect((await api(chat.base, 'GET', '/api/me', undefined, { cookie })).status).toBe(200)
      const response = await api(chat.base, 'POST', '/api/logout', undefined, { cookie })
      expect(response.status).toBe(204)
      expect((await api(chat.base, 'GET', '/api/me', undefined, { cookie })).status).toBe(401)
    })

    it('refuses a POST from a page on another site with 403', async () => {
      const response = await api(
        chat.base,
        'POST',
        '/api/login',
        { username: 'x', password: 'y' },
        { origin: 'http://evil.example' },
      )
      expect(response.status).toBe(403)
    })
  })

  describe('GET /api/me', () => {
    it('answers the username for a session cookie and for a Bearer access token', async () => {
      const alice = uniqueUser('alice')
      const cookie = await sessionCookie(chat.base, alice)
      expect(await api(chat.base, 'GET', '/api/me', undefined, { cookie })).toMatchObject({
        status: 200,
        body: { username: alice },
      })
      const bob = uniqueUser('bob')
      const { access } = await tokens(chat.base, bob)
      expect(
        await api(chat.base, 'GET', '/api/me', undefined, { authorization: `Bearer ${access}` }),
      ).toMatchObject({
        status: 200,
        body: { username: bob },
      })
    })

    it('answers 401 without credentials, with a bad token, and with a refresh token', async () => {
      const { refresh } = await tokens(chat.base, uniqueUser())
      const headerSets: Record<string, string>[] = [
        {},
        { authorization: 'Bearer nonsense' },
        { authorization: `Bearer ${refresh}` },
        { cookie: 'sessionid=forged' },
      ]
      for (const headers of headerSets) {
        const response = await api(chat.base, 'GET', '/api/me', undefined, headers)
        expect(response.status).toBe(401)
        expect(response.body).toEqual(errorBody('unauthorized'))
      }
    })
  })

  describe('GET /api/rooms/<room>/messages', () => {
    it('answers 401 without credentials', async () => {
      const response = await api(chat.base, 'GET', '/api/rooms/lobby/messages')
      expect(response.status).toBe(401)
      expect(response.body).toEqual(errorBody('unauthorized'))
    })

    it('answers 400 invalid for a malformed limit or before', async () => {
      const { access } = await tokens(chat.base, uniqueUser())
      for (const query of ['limit=abc', 'limit=0', 'limit=-1', 'before=x', 'before=0', 'limit=1.5']) {
        const response = await api(chat.base, 'GET', `/api/rooms/lobby/messages?${query}`, undefined, {
          authorization: `Bearer ${access}`,
        })
        expect(response.status, query).toBe(400)
        expect(response.body).toEqual(errorBody('invalid'))
      }
    })

    it('answers an empty list for a room without messages', async () => {
      const cookie = await sessionCookie(chat.base, uniqueUser())
      const response = await api(chat.base, 'GET', '/api/rooms/empty-room_1/messages', undefined, { cookie })
      expect(response).toMatchObject({ status: 200, body: { messages: [] } })
    })

    it('answers 404 for a room name that breaks the rule', async () => {
      const cookie = await sessionCookie(chat.base, uniqueUser())
      const response = await api(chat.base, 'GET', `/api/rooms/${'r'.repeat(65)}/messages`, undefined, {
        cookie,
      })
      expect(response.status).toBe(404)
    })
  })

  describe('other routes', () => {
    it('answers /healthz with 200 {"status": "ok"}', async () => {
      expect(await api(chat.base, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })
    })

    it('answers an unknown API path with a JSON 404', async () => {
      const response = await api(chat.base, 'POST', '/api/nothing-here')
      expect(response.status).toBe(404)
      expect(response.body).toEqual(errorBody('not_found'))
    })

    it('answers 413 for a request body over 16 KiB', async () => {
      const response = await api(chat.base, 'POST', '/api/register', {
        username: 'x'.repeat(20_000),
        password: PASSWORD,
      })
      expect(response.status).toBe(413)
      expect(response.body).toEqual(errorBody('too_large'))
    })
  })
})
