/**
 * One suite for every database engine: Django (a real 4.2 process) creates
 * users, logs them in and issues tokens; tschannels must accept exactly
 * those, refuse the tampered, expired and logged-out ones, and leave every
 * Django row unchanged while read-only. Writable mode is checked the other
 * way round: Django reads what tschannels' login()/logout() wrote.
 *
 * @module
 */

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'

import { authenticate } from '../../src/auth/authenticate.js'
import { login, logout } from '../../src/auth/session-auth.js'
import { TokenAuthMiddleware } from '../../src/auth/token-auth-middleware.js'
import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { DjangoSite } from '../../src/django/django-site.js'
import { SimpleJwtAuthMiddleware } from '../../src/django/simple-jwt.js'
import { JwtAuthMiddleware } from '../../src/auth/jwt/jwt-auth-middleware.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { User } from '../../src/auth/user.js'
import { startDjango } from './django-peer.js'
import type { DjangoPeer } from './django-peer.js'
import type { TestDatabase } from './databases.js'

export const SECRET_KEY = 'django-insecure-suite-key-0123456789abcdefghijklmnopqrstuvwx'
const PASSWORD = 'correct horse battery staple'
/**
 * The writable site's clock, stopped at the suite's start: `login()` stamps
 * `last_login` with it, and Django, on its own clock, still finds the
 * sessions it dates unexpired.
 */
const LOGIN_TIME = Date.now()

/** Answers with the user as JSON, or closes with the auth error's code (4401). */
class WhoAmI extends WebsocketConsumer {
  override async connect() {
    const user = await this.scope.user
    if (!user?.isAuthenticated) return this.close(this.scope.authError?.closeCode ?? 4401)
    await this.accept()
    await this.send({ text: JSON.stringify(user) })
  }
}

/** Logs in or out over the socket: `{ login: username, password }` or `{ logout: true }`; answers the session key. */
class LoginConsumer extends JsonWebsocketConsumer {
  static users: DjangoSite['users']
  override async receiveJson(content: { login?: string; password?: string; logout?: boolean }) {
    if (content.logout === true) {
      try {
        await logout(this.scope)
      } catch (error) {
        return this.sendJson({ error: (error as { code?: string }).code })
      }
      return this.sendJson({ key: this.scope.session!.sessionKey })
    }
    const user = await authenticate(LoginConsumer.users, content.login ?? '', content.password ?? '')
    if (user === null) return this.sendJson({ error: 'invalid' })
    await login(this.scope, user)
    await this.scope.session!.save()
    await this.sendJson({ key: this.scope.session!.sessionKey })
  }
}

interface Whoami {
  username: string
  isStaff: boolean
  isSuperuser: boolean
  groups: string[]
  permissions: string[]
}

async function connect(
  app: ReturnType<DjangoSite['authMiddlewareStack']>,
  headers: Array<[string, string]>,
): Promise<Whoami | number> {
  const communicator = new WebsocketCommunicator(app, '/ws/', { headers })
  const result = await communicator.connect()
  if (!result.connected) return result.closeCode ?? -1
  const user = JSON.parse((await communicator.receiveFrom()) as string) as Whoami
  await communicator.disconnect()
  return user
}

const cookie = (value: string, name = 'sessionid'): Array<[string, string]> => [
  ['cookie', `${name}=${value}`],
]

/**
 * Runs the suite on databases made by `create` (one per call; `undefined` skips).
 */
export function runDjangoSiteSuite(title: string, create: () => Promise<TestDatabase | undefined>): void {
  describe(title, () => {
    let database: TestDatabase | undefined
    let django: DjangoPeer
    let cachedDb: DjangoPeer
    let site: DjangoSite
    let app: ReturnType<DjangoSite['authMiddlewareStack']>
    let user = 0
    const newUser = async (fields: Record<string, unknown> = {}): Promise<string> => {
      const username = `user${++user}`
      await django.call('create_user', {
        username,
        password: PASSWORD,
        email: `${username}@example.com`,
        ...fields,
      })
      return username
    }

    beforeAll(async () => {
      database = await create()
      if (database === undefined) return
      django = await startDjango({ secret_key: SECRET_KEY, database: database.url })
      await django.call('migrate')
      cachedDb = await startDjango({
        secret_key: SECRET_KEY,
        database: database.url,
        session_engine: 'django.contrib.sessions.backends.cached_db',
      })
      site = new DjangoSite({ databaseUrl: database.url, secretKey: SECRET_KEY, secretKeyFallbacks: [] })
      app = site.authMiddlewareStack(WhoAmI.asApp())
    }, 120_000)

    afterAll(async () => {
      await site?.close()
      await django?.close()
      await cachedDb?.close()
      await database?.drop()
    }, 60_000)

    describe('read-only sessions', () => {
      it.each([
        ['db', () => django],
        ['cached_db', () => cachedDb],
      ])(
        'a browser logged in on Django (%s) is its Django user, with groups and permissions',
        async (_, peer) => {
          if (database === undefined) return
          const username = await newUser({ is_staff: true })
          await django.call('grant', {
            username,
            perms: ['auth.view_user', 'chat.post_message'],
            groups: { moderators: ['chat.delete_message'] },
          })
          const key = await peer().call<string>('login', { username, password: PASSWORD })
          const before = await django.call('snapshot')
          const user = await connect(app, cookie(key))
          expect(user).toMatchObject({ username, isStaff: true, isSuperuser: false, groups: ['moderators'] })
          expect((user as Whoami).permissions).toEqual([
            'auth.view_user',
            'chat.delete_message',
            'chat.post_message',
          ])
          expect(await django.call('snapshot')).toEqual(before)
        },
      )

      it('user.hasPerm answers as Django: superusers have every permission, inactive users none', async () => {
        if (database === undefined) return
        const admin = await newUser({ is_superuser: true })
        const plain = await newUser()
        await django.call('grant', { username: plain, perms: ['chat.post_message'] })
        const adminUser = await site.users.getByUsername(admin)
        const plainUser = await site.users.getByUsername(plain)
        expect(adminUser!.hasPerm('anything.at_all')).toBe(true)
        expect(plainUser!.hasPerm('chat.post_message')).toBe(true)
        expect(plainUser!.hasPerm('chat.delete_message')).toBe(false)
        expect(plainUser!.hasModulePerms('chat')).toBe(true)
        await django.call('set_active', { username: plain, active: false })
        expect((await site.users.getByUsername(plain))!.hasPerm('chat.post_message')).toBe(false)
      })

      it('a session whose password changed is anonymous, and its row stays', async () => {
        if (database === undefined) return
        const username = await newUser()
        const key = await django.call<string>('login', { username, password: PASSWORD })
        await django.call('set_password', { username, password: 'a new password' })
        const before = await django.call('snapshot')
        expect(await connect(app, cookie(key))).toBe(4401)
        expect(await django.call('snapshot')).toEqual(before)
        const { data } = await django.call<{ data: Record<string, unknown> }>('session_data', { key })
        expect(typeof data._auth_user_id).toBe('string')
      })

      it('a logged-out, expired or inactive user’s session is anonymous (4401)', async () => {
        if (database === undefined) return
        const [a, b, c] = [await newUser(), await newUser(), await newUser()]
        const [ka, kb, kc] = await Promise.all(
          [a, b, c].map((username) => django.call<string>('login', { username })),
        )
        await django.call('logout', { key: ka })
        await django.call('expire_session', { key: kb })
        await django.call('set_active', { username: c, active: false })
        const before = await django.call('snapshot')
        for (const key of [ka, kb, kc]) expect(await connect(app, cookie(key!))).toBe(4401)
        expect(await django.call('snapshot')).toEqual(before)
      })

      it('honours expire_date by the store’s clock', async () => {
        if (database === undefined) return
        const username = await newUser()
        const key = await django.call<string>('login', { username })
        const later = new DjangoSite({
          database: site.database,
          secretKey: SECRET_KEY,
          now: () => Date.now() + 15 * 86_400_000,
        })
        expect(await connect(later.authMiddlewareStack(WhoAmI.asApp()), cookie(key))).toBe(4401)
        expect(await connect(app, cookie(key))).toMatchObject({ username })
      })

      it('a tampered session row or a foreign key is no session, with one warning, and no row changes', async () => {
        if (database === undefined) return
        const username = await newUser()
        const key = await django.call<string>('login', { username })
        await django.call('sql', {
          sql: "UPDATE django_session SET session_data = 'eyJfYXV0aF91c2VyX2lkIjoiMSJ9:1abc:forged' WHERE session_key = %s",
          params: [key],
        })
        const warnings: string[] = []
        const listener = (warning: Error & { code?: string }): void => void warnings.push(warning.code ?? '')
        process.on('warning', listener)
        onTestFinished(() => void process.off('warning', listener))
        const before = await django.call('snapshot')
        const fresh = new DjangoSite({ database: site.database, secretKey: SECRET_KEY })
        const stack = fresh.authMiddlewareStack(WhoAmI.asApp())
        expect(await connect(stack, cookie(key))).toBe(4401)
        expect(await connect(stack, cookie(key))).toBe(4401)
        expect(await connect(stack, cookie('../../etc/passwd'))).toBe(4401)
        await new Promise((resolve) => setImmediate(resolve))
        expect(warnings.filter((code) => code === 'CHANNELS_WRN_023')).toHaveLength(1)
        expect(await django.call('snapshot')).toEqual(before)
      })

      it('logout() on a read-only store throws ReadOnlyStore and deletes nothing', async () => {
        if (database === undefined) return
        const username = await newUser()
        const key = await django.call<string>('login', { username })
        LoginConsumer.users = site.users
        const communicator = new WebsocketCommunicator(site.authMiddlewareStack(LoginConsumer.asApp()), '/', {
          headers: cookie(key),
        })
        await communicator.connect()
        const before = await django.call('snapshot')
        await communicator.sendJsonTo({ logout: true })
        expect(await communicator.receiveJsonFrom()).toEqual({ error: 'CHANNELS_ERR_READ_ONLY_STORE' })
        expect(await django.call('whoami', { key })).toEqual({ username })
        expect(await django.call('snapshot')).toEqual(before)
        await communicator.disconnect()
      })
    })

    describe('DRF tokens', () => {
      it('accepts exactly the tokens DRF issued, and refuses tampered and deleted ones with 4401', async () => {
        if (database === undefined) return
        const username = await newUser()
        const key = await django.call<string>('drf_token', { username })
        const tokenApp = TokenAuthMiddleware(WhoAmI.asApp(), { tokens: site.tokens, users: site.users })
        const before = await django.call('snapshot')
        expect(await connect(tokenApp, [['authorization', `Token ${key}`]])).toMatchObject({ username })
        const tampered = `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`
        expect(await connect(tokenApp, [['authorization', `Token ${tampered}`]])).toBe(4401)
        expect(await django.call('verify_drf', { key: tampered })).toEqual({ error: 'AuthenticationFailed' })
        expect(await django.call('snapshot')).toEqual(before)
        await django.call('delete_drf_token', { key })
        expect(await connect(tokenApp, [['authorization', `Token ${key}`]])).toBe(4401)
      })
    })

    describe('SimpleJWT', () => {
      it('accepts access tokens; refuses refresh, expired, tampered and blacklisted ones with 4401', async () => {
        if (database === undefined) return
        const username = await newUser()
        const jwtApp = SimpleJwtAuthMiddleware(WhoAmI.asApp(), {
          signingKey: SECRET_KEY,
          users: site.users,
          blacklist: site.database,
        })
        const tokens = await django.call<{ access: string; refresh: string; jti: string }>('jwt', {
          username,
        })
        const bearer = (token: string): Array<[string, string]> => [['authorization', `Bearer ${token}`]]
        expect(await connect(jwtApp, bearer(tokens.access))).toMatchObject({ username, permissions: [] })
        expect(await connect(jwtApp, bearer(tokens.refresh))).toBe(4401)
        expect(await connect(jwtApp, bearer(`${tokens.access.slice(0, -2)}xx`))).toBe(4401)
        const expired = await django.call<{ access: string }>('jwt', { username, access_lifetime: -60 })
        expect(await connect(jwtApp, bearer(expired.access))).toBe(4401)
        await django.call('blacklist_jti', { username, jti: tokens.jti, token: tokens.access })
        expect(await connect(jwtApp, bearer(tokens.access))).toBe(4401)
        const withoutBlacklist = SimpleJwtAuthMiddleware(WhoAmI.asApp(), {
          signingKey: SECRET_KEY,
          users: site.users,
        })
        expect(await connect(withoutBlacklist, bearer(tokens.access))).toMatchObject({ username })
        // The preset is JwtAuthMiddleware with SimpleJWT's settings; that form keeps working too.
        const plain = JwtAuthMiddleware(WhoAmI.asApp(), {
          key: SECRET_KEY,
          userIdClaim: 'user_id',
          users: site.users,
        })
        expect(await connect(plain, bearer(tokens.access))).toMatchObject({ username })
        expect(await connect(plain, bearer(tokens.refresh))).toBe(4401)
      })
    })

    describe('writable sessions', () => {
      let writable: DjangoSite
      beforeAll(() => {
        if (database === undefined) return
        writable = new DjangoSite({
          databaseUrl: database.url,
          secretKey: SECRET_KEY,
          writable: true,
          now: () => LOGIN_TIME,
        })
        LoginConsumer.users = writable.users
      })
      afterAll(async () => writable?.close())

      it('login() writes a session Django reads, rotating the key as Django does; logout() ends it for Django', async () => {
        if (database === undefined) return
        const username = await newUser()
        const passwordRow = (await writable.users.getByUsername(username))!.passwordHash
        expect(await django.call('last_login', { username })).toBeNull()
        LoginConsumer.users = writable.users
        const communicator = new WebsocketCommunicator(
          writable.authMiddlewareStack(LoginConsumer.asApp()),
          '/',
        )
        await communicator.connect()
        await communicator.sendJsonTo({ login: username, password: PASSWORD })
        const { key } = (await communicator.receiveJsonFrom()) as { key: string }
        expect(key).toMatch(/^[a-z0-9]{32}$/)
        expect(await django.call('whoami', { key })).toEqual({ username })
        expect(await connect(app, cookie(key))).toMatchObject({ username })
        // Never re-hashed: Django's cost (1000 iterations here) is not tschannels' to change.
        expect((await writable.users.getByUsername(username))!.passwordHash).toBe(passwordRow)
        // last_login stamped as Django's update_last_login does, and read back by Django.
        expect(await django.call('last_login', { username })).toBe(LOGIN_TIME)
        expect((await writable.users.getByUsername(username))!.lastLogin?.getTime()).toBe(LOGIN_TIME)
        await communicator.sendJsonTo({ logout: true })
        await communicator.receiveJsonFrom()
        expect(await django.call('whoami', { key })).toEqual({ username: null })
        expect(await django.call('session_data', { key })).toMatchObject({ data: {} })
        await communicator.disconnect()
      })

      it('creates and deletes DRF tokens Django accepts, as get_or_create does', async () => {
        if (database === undefined) return
        const username = await newUser()
        const id = (await writable.users.getByUsername(username))!.id
        const key = await writable.tokens.create(id)
        expect(key).toMatch(/^[0-9a-f]{40}$/)
        expect(await writable.tokens.create(id)).toBe(key)
        expect(await django.call('verify_drf', { key })).toEqual({ username })
        await writable.tokens.delete(key)
        expect(await django.call('verify_drf', { key })).toEqual({ error: 'AuthenticationFailed' })
        await expect(site.tokens.create(id)).rejects.toThrow(/read-only/)
      })

      it('login() over an anonymous Django session moves its data to a new key and deletes the old row', async () => {
        if (database === undefined) return
        const username = await newUser()
        const other = await newUser()
        const otherKey = await django.call<string>('login', { username: other })
        LoginConsumer.users = writable.users
        const communicator = new WebsocketCommunicator(
          writable.authMiddlewareStack(LoginConsumer.asApp()),
          '/',
          {
            headers: cookie(otherKey),
          },
        )
        await communicator.connect()
        await communicator.sendJsonTo({ login: username, password: PASSWORD })
        const { key } = (await communicator.receiveJsonFrom()) as { key: string }
        expect(key).not.toBe(otherKey)
        expect(await django.call('whoami', { key })).toEqual({ username })
        expect(await django.call('whoami', { key: otherKey })).toEqual({ username: null })
        await communicator.disconnect()
      })
    })
  })
}

export type { User }
