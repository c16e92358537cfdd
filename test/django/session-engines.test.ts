import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { login } from '../../src/auth/session-auth.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { DjangoSite } from '../../src/django/django-site.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { Application } from '../../src/types.js'
import { createSqliteDatabase } from './databases.js'
import type { TestDatabase } from './databases.js'
import { djangoSkipReason, startDjango } from './django-peer.js'
import type { DjangoPeer } from './django-peer.js'

const skipReason = djangoSkipReason()
const KEY = 'django-insecure-engines-current-key-0123456789abcdefghijklmn'
const OLD_KEY = 'django-insecure-engines-retired-key-0123456789abcdefghijklm'
const SIGNED = 'django.contrib.sessions.backends.signed_cookies'

class WhoAmI extends WebsocketConsumer {
  override async connect() {
    const user = await this.scope.user
    if (!user?.isAuthenticated) return this.close(4401)
    await this.accept()
    await this.send({ text: JSON.stringify(user) })
  }
}

async function whoami(app: Application, sessionid: string): Promise<Record<string, unknown> | number> {
  const communicator = new WebsocketCommunicator(app, '/', {
    headers: [['cookie', `sessionid=${sessionid}`]],
  })
  const result = await communicator.connect()
  if (!result.connected) return result.closeCode ?? -1
  const user = JSON.parse((await communicator.receiveFrom()) as string) as Record<string, unknown>
  await communicator.disconnect()
  return user
}

describe('DjangoSite session engines', () => {
  it.each(['django.contrib.sessions.backends.cache', 'cache'])(
    "refuses the '%s' engine at start-up, naming cached_db",
    (sessionEngine) => {
      expect(
        () => new DjangoSite({ sessionEngine, databaseUrl: 'sqlite:///unused.sqlite3', secretKey: KEY }),
      ).toThrow(/pickles[\s\S]*django\.contrib\.sessions\.backends\.cached_db/)
    },
  )

  it("a writable cached_db site needs invalidateCache, and calls it with Django's cache key", async () => {
    const options = {
      databaseUrl: 'sqlite:///unused.sqlite3',
      secretKey: KEY,
      sessionEngine: 'django.contrib.sessions.backends.cached_db',
      writable: true,
    }
    expect(() => new DjangoSite(options)).toThrow(/invalidateCache/)
    const folder = await createSqliteDatabase()
    const file = new URL(folder.url.replace('sqlite:///', 'file:///')).pathname
    const db = new Database(file)
    db.exec(
      'CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, session_data text NOT NULL, expire_date datetime NOT NULL)',
    )
    db.close()
    const invalidated: string[] = []
    const site = new DjangoSite({
      ...options,
      databaseUrl: folder.url,
      invalidateCache: async (key) => void invalidated.push(key),
    })
    const key = await site.sessions.save(null, { a: 1 }, new Date(Date.now() + 60_000))
    expect(await site.sessions.load(key)).toEqual({ a: 1 })
    await site.sessions.save(key, { a: 2 }, new Date(Date.now() + 60_000))
    await site.sessions.delete(key)
    expect(await site.sessions.load(key)).toBeNull()
    expect(invalidated).toEqual([
      `django.contrib.sessions.cached_db${key}`,
      `django.contrib.sessions.cached_db${key}`,
    ])
    await site.close()
    await folder.drop()
  })

  it('refuses the file engine and unknown engines', () => {
    for (const sessionEngine of ['django.contrib.sessions.backends.file', 'myapp.sessions']) {
      expect(
        () => new DjangoSite({ sessionEngine, databaseUrl: 'sqlite:///unused.sqlite3', secretKey: KEY }),
      ).toThrow(ImproperlyConfigured)
    }
  })
})

describe.skipIf(skipReason !== undefined)('Django 4.2 sessions beyond the db engine (SQLite)', () => {
  let database: TestDatabase
  let signed: DjangoPeer
  let retired: DjangoPeer
  let custom: DjangoPeer
  let customDatabase: TestDatabase
  const sites: DjangoSite[] = []
  const site = (options: ConstructorParameters<typeof DjangoSite>[0]): DjangoSite => {
    const made = new DjangoSite(options)
    sites.push(made)
    return made
  }

  beforeAll(async () => {
    database = await createSqliteDatabase()
    customDatabase = await createSqliteDatabase()
    ;[signed, retired, custom] = await Promise.all([
      startDjango({ secret_key: KEY, database: database.url, session_engine: SIGNED }),
      startDjango({ secret_key: OLD_KEY, database: database.url }),
      startDjango({ secret_key: KEY, database: customDatabase.url, user_model: 'customusers.Member' }),
    ])
    await signed.call('migrate')
    await custom.call('migrate')
    await signed.call('create_user', { username: 'ada', password: 'pw', is_staff: true })
  }, 120_000)

  afterAll(async () => {
    for (const made of sites) await made.close()
    await Promise.all([signed?.close(), retired?.close(), custom?.close()])
    await database?.drop()
    await customDatabase?.drop()
  })

  describe('signed_cookies', () => {
    it('reads the cookie Django signed; refuses it tampered or older than SESSION_COOKIE_AGE', async () => {
      const cookie = await signed.call<string>('login', { username: 'ada', password: 'pw' })
      const app = site({
        databaseUrl: database.url,
        secretKey: KEY,
        sessionEngine: SIGNED,
      }).authMiddlewareStack(WhoAmI.asApp())
      expect(await whoami(app, cookie)).toMatchObject({ username: 'ada', isStaff: true })
      expect(
        await whoami(
          app,
          cookie.replace(/.:/, (m) => (m[0] === 'A' ? 'B:' : 'A:')),
        ),
      ).toBe(4401)
      const later = site({
        databaseUrl: database.url,
        secretKey: KEY,
        sessionEngine: SIGNED,
        now: () => Date.now() + 15 * 86_400_000,
      })
      expect(await whoami(later.authMiddlewareStack(WhoAmI.asApp()), cookie)).toBe(4401)
    })

    it('writable: login() issues a cookie Django reads as the same user', async () => {
      const writable = site({
        databaseUrl: database.url,
        secretKey: KEY,
        sessionEngine: SIGNED,
        writable: true,
      })
      const user = await writable.users.getByUsername('ada')
      let issued = ''
      const app = writable.authMiddlewareStack(async (scope) => {
        await login(scope, user!)
        await scope.session!.save()
        issued = scope.session!.sessionKey!
      })
      await new WebsocketCommunicator(app, '/').connect().catch(() => undefined)
      expect(await signed.call('whoami', { key: issued })).toEqual({ username: 'ada' })
    })
  })

  describe('AUTHENTICATION_BACKENDS', () => {
    it('a session logged in through a backend the site does not list is anonymous', async () => {
      const key = await retired.call<string>('login', { username: 'ada' })
      const listed = site({ databaseUrl: database.url, secretKey: OLD_KEY, secretKeyFallbacks: [] })
      expect(await whoami(listed.authMiddlewareStack(WhoAmI.asApp()), key)).toMatchObject({ username: 'ada' })
      const other = site({
        databaseUrl: database.url,
        secretKey: OLD_KEY,
        secretKeyFallbacks: [],
        authenticationBackends: ['accounts.backends.EmailBackend'],
      })
      expect(await whoami(other.authMiddlewareStack(WhoAmI.asApp()), key)).toBe(4401)
    })
  })

  describe('SECRET_KEY_FALLBACKS', () => {
    it('a session Django signed with a key now retired is read through the fallback, and only then', async () => {
      const key = await retired.call<string>('login', { username: 'ada' })
      const rotated = site({ databaseUrl: database.url, secretKey: KEY, secretKeyFallbacks: [OLD_KEY] })
      expect(await whoami(rotated.authMiddlewareStack(WhoAmI.asApp()), key)).toMatchObject({
        username: 'ada',
      })
      const before = await signed.call('snapshot')
      const forgotten = site({ databaseUrl: database.url, secretKey: KEY, secretKeyFallbacks: [] })
      expect(await whoami(forgotten.authMiddlewareStack(WhoAmI.asApp()), key)).toBe(4401)
      expect(await signed.call('snapshot')).toEqual(before)
    })
  })

  describe('a custom user model', () => {
    it('is read with its own table, username field and column names, with its groups and permissions', async () => {
      await custom.call('create_user', { username: 'grace@example.com', password: 'pw', is_staff: true })
      await custom.call('grant', {
        username: 'grace@example.com',
        perms: ['club.enter'],
        groups: { crew: ['club.steer'] },
      })
      const key = await custom.call<string>('login', { username: 'grace@example.com' })
      const app = site({
        databaseUrl: customDatabase.url,
        secretKey: KEY,
        userModel: {
          table: 'club_member',
          usernameField: 'email',
          columns: { isActive: 'active', dateJoined: 'joined', firstName: null, lastName: null },
          userColumn: 'member_id',
        },
      }).authMiddlewareStack(WhoAmI.asApp())
      expect(await whoami(app, key)).toMatchObject({
        username: 'grace@example.com',
        isStaff: true,
        groups: ['crew'],
        permissions: ['club.enter', 'club.steer'],
      })
    })
  })
})
