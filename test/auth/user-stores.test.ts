import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'

import { InMemoryUserStore } from '../../src/auth/memory-user-store.js'
import { PostgresUserStore } from '../../src/postgres.js'
import { SqliteUserStore } from '../../src/sqlite.js'
import { findPostgres, requireOrSkip, uniqueName } from '../services.js'
import { runUserStoreSuite } from './user-store-suite.js'

runUserStoreSuite('InMemoryUserStore', { newStore: () => new InMemoryUserStore() })

const dir = mkdtempSync(join(tmpdir(), 'tschannels-users-'))
let n = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))
runUserStoreSuite('SqliteUserStore', {
  newStore: () => new SqliteUserStore({ filename: join(dir, `users-${n++}.sqlite3`) }),
})

const found = await findPostgres()
const url = requireOrSkip(found)
if (url === undefined) {
  describe('PostgresUserStore', () => {
    it.skip(`runs the user store suite (skipped: ${'reason' in found ? found.reason : ''})`, () => {})
  })
} else {
  const pool = new pg.Pool({ connectionString: url })
  const schema = uniqueName('tsc_users')
  let t = 0
  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  })
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await pool.end()
  })
  runUserStoreSuite('PostgresUserStore', {
    newStore: () => new PostgresUserStore({ pool, schema, table: `u${t++}` }),
  })
}
