/**
 * The SQLite `DjangoDatabase`, on `better-sqlite3`. Django's file is opened
 * as it is: read-only unless writable, and never switched to WAL (a
 * journal-mode change would outlive this process).
 *
 * @module
 * @internal
 */

import type Database from 'better-sqlite3'

import type { DjangoDatabase } from '../database.js'
import { loadPeer } from './load-peer.js'

/** @internal */
export function openSqliteDjangoDatabase(filename: string, writable: boolean): DjangoDatabase {
  let db: Database.Database | undefined
  // Connected on the first query, so building a site never fails or leaves a rejection unobserved.
  let ready: Promise<Database.Database> | undefined
  const connect = (): Promise<Database.Database> =>
    (ready ??= loadPeer('better-sqlite3', 'A SQLite Django database', () => import('better-sqlite3'))
      .then(({ default: Driver }) => {
        db = new Driver(filename, {
          readonly: !writable,
          fileMustExist: filename !== ':memory:',
          timeout: 5000,
        })
        return db
      })
      .catch((error: unknown) => {
        // Try again on the next query (the file or server may come later).
        ready = undefined
        throw error
      }))
  const bind = (params: readonly unknown[]): unknown[] =>
    params.map((value) =>
      value instanceof Date ? sqliteDatetime(value) : typeof value === 'boolean' ? Number(value) : value,
    )
  return {
    vendor: 'sqlite',
    writable,
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      return (await connect()).prepare(sql).all(...bind(params)) as Row[]
    },
    async execute(sql, params = []) {
      return (await connect()).prepare(sql).run(...bind(params)).changes
    },
    quote: (name) => `"${name}"`,
    async close() {
      await ready?.catch(() => undefined)
      if (db?.open === true) db.close()
    },
  }
}

/** Django's SQLite datetime text, in UTC: `YYYY-MM-DD HH:MM:SS.ffffff`. */
function sqliteDatetime(date: Date): string {
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 23)}000`
}
