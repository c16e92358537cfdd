import pg from 'pg'
import { afterAll, beforeAll, describe, it } from 'vitest'

import { PostgresSessionStore } from '../../src/postgres.js'
import { findPostgres, requireOrSkip, uniqueName } from '../services.js'
import { runSessionStoreSuite } from './session-store-suite.js'

const found = await findPostgres()
const url = requireOrSkip(found)
const schema = uniqueName('tsc_sessions')

if (url === undefined) {
  describe('PostgresSessionStore', () => {
    it.skip(`runs the session store suite (skipped: ${'reason' in found ? found.reason : ''})`, () => {})
  })
} else {
  const pool = new pg.Pool({ connectionString: url })
  let n = 0
  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  })
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await pool.end()
  })
  runSessionStoreSuite('PostgresSessionStore', {
    newStore: () => new PostgresSessionStore({ pool, schema, table: `s${n++}`, sweepIntervalMs: 0 }),
  })
}
