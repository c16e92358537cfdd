import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { SqliteSessionStore } from '../../src/sqlite.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { runSessionStoreSuite } from './session-store-suite.js'

const dir = mkdtempSync(join(tmpdir(), 'tschannels-sessions-'))
let n = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))

runSessionStoreSuite('SqliteSessionStore', {
  newStore: () =>
    new SqliteSessionStore({ filename: join(dir, `sessions-${n++}.sqlite3`), sweepIntervalMs: 0 }),
})

describe('SqliteSessionStore', () => {
  it('keeps sessions in the file across store instances', async () => {
    const filename = join(dir, 'shared.sqlite3')
    const a = new SqliteSessionStore({ filename, sweepIntervalMs: 0 })
    const key = await a.save(null, { n: 1 }, new Date(Date.now() + 60_000))
    await a.close()
    const b = new SqliteSessionStore({ filename, sweepIntervalMs: 0 })
    expect(await b.load(key)).toEqual({ n: 1 })
    await b.close()
  })

  it('refuses a table name that is not a plain identifier', () => {
    expect(() => new SqliteSessionStore({ filename: ':memory:', table: 'x; drop table y' })).toThrow(
      ImproperlyConfigured,
    )
  })
})
