import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'

import type { TokenStore } from '../../src/auth/token-store.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { PostgresTokenStore } from '../../src/postgres.js'
import { findPostgres, requireOrSkip, uniqueName } from '../services.js'
import { runTokenStoreSuite } from './token-store-suite.js'
import type { TokenRow } from './token-store-suite.js'

const found = await findPostgres()
const url = requireOrSkip(found)

if (url === undefined) {
  describe('PostgresTokenStore', () => {
    it.skip(`runs the token store suite (skipped: ${'reason' in found ? found.reason : ''})`, () => {})
  })
} else {
  const pool = new pg.Pool({ connectionString: url })
  const schema = uniqueName('tsc_tokens')
  let n = 0
  const tables = new WeakMap<TokenStore, string>()
  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  })
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await pool.end()
  })

  runTokenStoreSuite('PostgresTokenStore', {
    newStore: () => {
      const table = `t${n++}`
      const store = new PostgresTokenStore({ pool, schema, table })
      tables.set(store, table)
      return store
    },
    // Two pools of their own, as two processes would have.
    newPair: () => {
      const table = `t${n++}`
      return [
        new PostgresTokenStore({ connectionString: url, schema, table }),
        new PostgresTokenStore({ connectionString: url, schema, table }),
      ]
    },
    readRows: async (store) =>
      (await pool.query<TokenRow>(`SELECT * FROM ${schema}.${tables.get(store)!}`)).rows,
  })

  describe('PostgresTokenStore', () => {
    it('creates the table it is given, with an index on user_id', async () => {
      const store = new PostgresTokenStore({ pool, schema, table: 'authtoken' })
      onTestFinished(() => store.close())
      await store.create('7')
      const { rows } = await pool.query<{ indexdef: string }>(
        'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
        [schema, 'authtoken'],
      )
      expect(rows.map((row) => row.indexdef).join('\n')).toMatch(/authtoken_user_id ON .* \(user_id\)/)
    })

    it('refuses a table or schema name that is not a plain identifier', () => {
      expect(() => new PostgresTokenStore({ pool, table: 'x; drop table y' })).toThrow(ImproperlyConfigured)
      expect(() => new PostgresTokenStore({ pool, schema: 'a"b' })).toThrow(ImproperlyConfigured)
    })

    describe('#close', () => {
      it('ends the pool it opened, so its connections go away', async () => {
        // The application name tells this store's connections apart in pg_stat_activity.
        const name = uniqueName('tsc_token_close')
        const connectionString = new URL(url)
        connectionString.searchParams.set('application_name', name)
        const store = new PostgresTokenStore({
          connectionString: connectionString.href,
          schema,
          table: 'closing',
        })
        const token = await store.create('7')
        const connections = async (): Promise<number> =>
          (
            await pool.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
              [name],
            )
          ).rows[0]!.n
        expect(await connections()).toBeGreaterThan(0)
        await store.close()
        await expect.poll(connections, { timeout: 2_000 }).toBe(0)
        await expect(store.getUserId(token)).rejects.toThrow()
      })

      it('leaves a shared pool open', async () => {
        const store = new PostgresTokenStore({ pool, schema, table: 'shared' })
        await store.create('7')
        await store.close()
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.shared`)
        expect(rows).toEqual([{ n: 1 }])
      })
    })
  })
}
