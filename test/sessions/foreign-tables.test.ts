import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'

import Database from 'better-sqlite3'
import type pg from 'pg'

import { PostgresTokenStore } from '../../src/auth/stores/postgres-token-store.js'
import { PostgresUserStore } from '../../src/auth/stores/postgres-user-store.js'
import { SqliteTokenStore } from '../../src/auth/stores/sqlite-token-store.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { PostgresSessionStore } from '../../src/sessions/stores/postgres-session-store.js'
import { RedisSessionStore } from '../../src/sessions/stores/redis-session-store.js'
import { SqliteSessionStore } from '../../src/sessions/stores/sqlite-session-store.js'
import { REDIS_URL, redisSkipReason } from '../layers/redis/redis-service.js'
import { findPostgres, requireService, uniqueName } from '../services.js'

/** A row exactly as Django 4.2 writes django_session. */
const DJANGO_ROW = {
  key: 'tpymqel8x4sdhr2sduybdxzby4gt2dej',
  data: '.eJxVjMsOwiAQRX-Fzbo2pVL6WLp3YUxMXA_DhdIQaBFjjPHfxaSbbs899-bMkUs4BBq9DgG13qHvTKn2zV6cSm3oVqOXpJr4ygz1ugCo:1xaQ5c:yOxFJfgmBoousPYW80kSXc2lfKWHkV8OilkpQdhmUjg',
}

function collectWarnings(): string[] {
  const codes: string[] = []
  const listener = (warning: Error & { code?: string }): void => void codes.push(warning.code ?? '')
  process.on('warning', listener)
  onTestFinished(() => void process.off('warning', listener))
  return codes
}
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('library stores on tables they did not create', () => {
  describe('SQLite', () => {
    it("SqliteSessionStore.load of Django's row is no session (one warning), never a throw", async () => {
      const db = new Database(':memory:')
      db.exec(
        'CREATE TABLE django_session (session_key TEXT PRIMARY KEY, session_data TEXT NOT NULL, expire_date INTEGER NOT NULL)',
      )
      db.prepare('INSERT INTO django_session VALUES (?, ?, ?)').run(
        DJANGO_ROW.key,
        DJANGO_ROW.data,
        Date.now() + 60_000,
      )
      const store = new SqliteSessionStore({ database: db, table: 'django_session', sweepIntervalMs: 0 })
      const warnings = collectWarnings()
      await expect(store.load(DJANGO_ROW.key)).resolves.toBeNull()
      await expect(store.load(DJANGO_ROW.key)).resolves.toBeNull()
      await tick()
      expect(warnings.filter((code) => code === 'CHANNELS_WRN_023')).toHaveLength(1)
      expect(
        db
          .prepare(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'django_session' AND sql IS NOT NULL",
          )
          .get(),
      ).toEqual({ n: 0 })
      await store.close()
    })

    it("SqliteTokenStore refuses DRF's authtoken_token with a message, and adds no index to it", () => {
      const db = new Database(':memory:')
      db.exec(
        'CREATE TABLE authtoken_token (key TEXT PRIMARY KEY, created TEXT NOT NULL, user_id INTEGER NOT NULL UNIQUE)',
      )
      expect(() => new SqliteTokenStore({ database: db, table: 'authtoken_token' })).toThrow(
        /DjangoTokenStore/,
      )
      expect(
        db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").get(),
      ).toEqual({ n: 0 })
    })
  })

  describe('PostgreSQL', () => {
    let url: string | undefined
    let schema: string
    let admin: pg.Pool
    beforeAll(async () => {
      url = await requireService(findPostgres)
      if (url === undefined) return
      const { default: driver } = await import('pg')
      admin = new driver.Pool({ connectionString: url, max: 1 })
      schema = uniqueName('foreign')
      await admin.query(`CREATE SCHEMA ${schema}`)
      await admin.query(
        `CREATE TABLE ${schema}.django_session (session_key varchar(40) PRIMARY KEY, session_data text NOT NULL, expire_date timestamptz NOT NULL)`,
      )
      await admin.query(`INSERT INTO ${schema}.django_session VALUES ($1, $2, now() + interval '1 hour')`, [
        DJANGO_ROW.key,
        DJANGO_ROW.data,
      ])
      await admin.query(
        `CREATE TABLE ${schema}.authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL, user_id integer NOT NULL UNIQUE)`,
      )
      await admin.query(
        `CREATE TABLE ${schema}.auth_user (id serial PRIMARY KEY, password varchar(128) NOT NULL, username varchar(150) NOT NULL UNIQUE, is_active boolean NOT NULL, date_joined timestamptz NOT NULL)`,
      )
      await admin.query(
        `INSERT INTO ${schema}.auth_user (password, username, is_active, date_joined) VALUES ('pbkdf2_sha256$1$s$h', 'ada', true, now())`,
      )
    })
    afterAll(async () => {
      if (url === undefined) return
      await admin.query(`DROP SCHEMA ${schema} CASCADE`)
      await admin.end()
    })
    const indexes = async (): Promise<number> =>
      Number(
        (
          await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_indexes WHERE schemaname = $1', [
            schema,
          ])
        ).rows[0]!.n,
      )

    it("PostgresSessionStore.load of Django's row is no session (one warning), never a throw", async () => {
      if (url === undefined) return
      const store = new PostgresSessionStore({
        connectionString: url,
        schema,
        table: 'django_session',
        sweepIntervalMs: 0,
      })
      onTestFinished(() => store.close())
      const warnings = collectWarnings()
      await expect(store.load(DJANGO_ROW.key)).resolves.toBeNull()
      await expect(store.load(DJANGO_ROW.key)).resolves.toBeNull()
      await tick()
      expect(warnings.filter((code) => code === 'CHANNELS_WRN_023')).toHaveLength(1)
    })

    it("PostgresTokenStore runs no DDL on DRF's authtoken_token and says which store reads it", async () => {
      if (url === undefined) return
      const before = await indexes()
      const store = new PostgresTokenStore({ connectionString: url, schema, table: 'authtoken_token' })
      onTestFinished(() => store.close())
      await expect(store.getUserId('a'.repeat(40))).rejects.toThrow(ImproperlyConfigured)
      await expect(store.getUserId('a'.repeat(40))).rejects.toThrow(/DjangoTokenStore/)
      expect(await indexes()).toBe(before)
    })

    it("PostgresUserStore refuses Django's auth_user instead of users without a password hash", async () => {
      if (url === undefined) return
      const store = new PostgresUserStore({ connectionString: url, schema, table: 'auth_user' })
      onTestFinished(() => store.close())
      await expect(store.getByUsername('ada')).rejects.toThrow(/DjangoUserStore/)
    })
  })

  describe('Redis', async () => {
    const skip = await redisSkipReason()
    it.skipIf(skip !== undefined)(
      'RedisSessionStore.load of a value that is not its JSON is no session',
      async () => {
        const prefix = `${uniqueName('foreign')}:`
        const store = new RedisSessionStore({ url: REDIS_URL, prefix })
        onTestFinished(() => store.close())
        const { Redis } = await import('ioredis')
        const client = new Redis(REDIS_URL)
        onTestFinished(() => void client.quit())
        await client.set(`${prefix}${DJANGO_ROW.key}`, DJANGO_ROW.data, 'EX', 60)
        await expect(store.load(DJANGO_ROW.key)).resolves.toBeNull()
        await client.del(`${prefix}${DJANGO_ROW.key}`)
      },
    )
  })
})
