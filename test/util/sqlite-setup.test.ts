import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'

import { openSqliteDatabase } from '../../src/sqlite.js'
import { createSqliteTables, retryWhileBusy } from '../../src/util/sqlite-setup.js'

const dir = mkdtempSync(join(tmpdir(), 'tschannels-sqlite-setup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = 'test/util/fixtures/open-shared-sqlite.ts'

function busyError(): Error {
  return Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
}

/** Runs the fixture; resolves with its exit code and what it wrote to stderr. */
function runFixture(
  filename: string,
  startAt: number,
  name: string,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, filename, String(startAt), name], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.once('exit', (code) => resolve({ code, stderr }))
  })
}

describe('openSqliteDatabase', () => {
  it('switches a file to write-ahead logging and sets the busy timeout', () => {
    const db = openSqliteDatabase(join(dir, 'wal.sqlite3'), { timeoutMs: 2500 })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('busy_timeout', { simple: true })).toBe(2500)
    db.close()
  })

  it('creates the tables given as schema', () => {
    const db = openSqliteDatabase(join(dir, 'schema.sqlite3'), {
      schema:
        'CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY); CREATE TABLE IF NOT EXISTS tag (name TEXT);',
    })
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(),
    ).toEqual(['note', 'tag'])
    db.close()
  })

  it('leaves the journal alone when asked to', () => {
    const db = openSqliteDatabase(join(dir, 'no-wal.sqlite3'), { wal: false })
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete')
    db.close()
  })

  it('lets processes that start together on a new file all open every store', async () => {
    const filename = join(dir, 'together.sqlite3')
    // Far enough ahead that every child has loaded before the start.
    const startAt = Date.now() + 4000
    const names = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']
    const results = await Promise.all(names.map((name) => runFixture(filename, startAt, name)))
    for (const result of results) expect(result).toEqual({ code: 0, stderr: '' })
    const db = new Database(filename, { readonly: true })
    const users = db.prepare('SELECT username FROM tschannels_user ORDER BY username').pluck().all()
    expect(users).toEqual(names)
    expect(db.prepare('SELECT count(*) FROM tschannels_session').pluck().get()).toBe(names.length)
    expect(db.prepare('SELECT count(*) FROM tschannels_token').pluck().get()).toBe(names.length)
    db.close()
  }, 30_000)
})

describe('createSqliteTables', () => {
  it('waits for another connection to release the file, then creates the tables', async () => {
    const filename = join(dir, 'wait.sqlite3')
    openSqliteDatabase(filename).close()
    // The holder lives in another process so that this thread can block while waiting.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(filename)});` +
          `db.exec('BEGIN EXCLUSIVE'); process.stdout.write('locked\\n'); setTimeout(() => { db.exec('COMMIT'); db.close() }, 400)`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    const db = openSqliteDatabase(filename, { timeoutMs: 5000 })
    const started = Date.now()
    createSqliteTables(db, 'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)')
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['t'])
    db.close()
    await new Promise((resolve) => child.once('exit', resolve))
  }, 15_000)

  it('gives up with SQLITE_BUSY once the timeout has passed', () => {
    const filename = join(dir, 'gives-up.sqlite3')
    const holder = openSqliteDatabase(filename)
    holder.exec('BEGIN EXCLUSIVE')
    const db = openSqliteDatabase(filename, { timeoutMs: 50 })
    expect(() => createSqliteTables(db, 'CREATE TABLE t (id INTEGER)', 200)).toThrow(
      expect.objectContaining({ code: 'SQLITE_BUSY' }),
    )
    holder.exec('ROLLBACK')
    holder.close()
    db.close()
  })
})

describe('retryWhileBusy', () => {
  it('retries an action that answers SQLITE_BUSY until it succeeds', () => {
    let calls = 0
    const value = retryWhileBusy(() => {
      calls++
      if (calls < 3) throw busyError()
      return 'done'
    }, 5000)
    expect(value).toBe('done')
    expect(calls).toBe(3)
  })

  it('does not retry any other failure', () => {
    let calls = 0
    expect(() =>
      retryWhileBusy(() => {
        calls++
        throw Object.assign(new Error('no such table: x'), { code: 'SQLITE_ERROR' })
      }, 5000),
    ).toThrow('no such table')
    expect(calls).toBe(1)
  })
})
