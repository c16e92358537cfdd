/**
 * Opening a SQLite file that several processes share, and creating tables in
 * it, without tripping over each other. Two processes started at once on a
 * new file race to switch it to WAL and to create the same tables; SQLite
 * answers some of those races with SQLITE_BUSY at once instead of waiting in
 * its busy handler (a journal-mode switch, a read transaction that turns into
 * a write after another process committed). Setup therefore takes the write
 * lock up front and retries a busy answer until a deadline.
 *
 * @module
 */

import type Database from 'better-sqlite3'

import { requirePeer } from './optional-peer.js'
import { checkSqliteDriver } from './sqlite-compat.js'

const BetterSqlite3 = requirePeer<typeof Database>('better-sqlite3', 'tschannels/sqlite')

/** How long setup keeps retrying a locked database, and each statement waits for a lock. */
const DEFAULT_TIMEOUT_MS = 10_000
/** The longest pause between two setup attempts. */
const MAX_PAUSE_MS = 100

/** Options of `openSqliteDatabase`. */
export interface OpenSqliteDatabaseOptions {
  /**
   * How long a statement waits for another process's lock, and how long
   * opening keeps retrying, in ms. @default 10000
   */
  timeoutMs?: number
  /** Switch the file to write-ahead logging, so readers never wait for a writer. @default true */
  wal?: boolean
  /**
   * Your own table definitions (`CREATE TABLE IF NOT EXISTS …`), run in one
   * write transaction that waits for, and retries past, other processes
   * creating them at the same moment. @default undefined
   */
  schema?: string
}

/**
 * Opens (and creates, with its folder's permission) a SQLite file ready to
 * be shared by several processes: write-ahead logging, and a busy timeout so
 * that a statement waits for another process's write instead of failing.
 * Pass the result as `database` to several stores to keep them in one file,
 * and your own tables as `schema`.
 *
 * @example
 * ```ts
 * import { openSqliteDatabase, SqliteSessionStore, SqliteUserStore } from 'tschannels/sqlite'
 * const database = openSqliteDatabase('data/app.sqlite3', {
 *   schema: 'CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)',
 * })
 * const sessions = new SqliteSessionStore({ database })
 * const users = new SqliteUserStore({ database })
 * ```
 */
export function openSqliteDatabase(
  filename: string,
  options: OpenSqliteDatabaseOptions = {},
): Database.Database {
  checkSqliteDriver()
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const db = new BetterSqlite3(filename, { timeout: timeoutMs })
  try {
    if (options.wal !== false && filename !== ':memory:') {
      retryWhileBusy(() => db.pragma('journal_mode = WAL'), timeoutMs)
    }
    if (options.schema !== undefined) createSqliteTables(db, options.schema, timeoutMs)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * Runs `sql` (table and index definitions with `IF NOT EXISTS`) in one
 * write transaction taken up front, retried while another process holds the
 * file, so processes starting together on a new file all succeed.
 * @internal
 */
export function createSqliteTables(db: Database.Database, sql: string, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  const create = db.transaction(() => db.exec(sql))
  retryWhileBusy(() => create.immediate(), timeoutMs)
}

/**
 * Calls `action` until it does not fail with SQLITE_BUSY or `timeoutMs`
 * has passed. Setup runs in constructors, so the pause blocks the thread;
 * it happens only while another process holds the file at start-up.
 * @internal
 */
export function retryWhileBusy<T>(action: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs
  for (let attempt = 1; ; attempt++) {
    try {
      return action()
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error
      pause(Math.min(MAX_PAUSE_MS, attempt * 5))
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms)
}
