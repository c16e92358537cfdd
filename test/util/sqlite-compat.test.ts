import { describe, expect, it } from 'vitest'

import { sqliteDriverProblem } from '../../src/util/sqlite-compat.js'

describe('sqliteDriverProblem', () => {
  it('accepts better-sqlite3 12 on Node 20', () => {
    expect(sqliteDriverProblem('20.20.2', '12.11.1')).toBeUndefined()
  })

  it('accepts better-sqlite3 13 on Node 22 and 24', () => {
    expect(sqliteDriverProblem('22.13.0', '13.0.3')).toBeUndefined()
    expect(sqliteDriverProblem('24.21.0', '13.2.0')).toBeUndefined()
  })

  it('names both versions and the fix for better-sqlite3 12 on Node 24', () => {
    const problem = sqliteDriverProblem('24.21.0', '12.11.1')
    expect(problem).toMatch(/better-sqlite3 12\.11\.1 is installed on Node 24\.21\.0/)
    expect(problem).toMatch(/npm install better-sqlite3@13/)
  })
})
