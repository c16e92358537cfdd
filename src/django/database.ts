/**
 * `DjangoDatabase`: the one interface the Django stores query through, over
 * PostgreSQL (`pg`), SQLite (`better-sqlite3`) or MariaDB/MySQL (`mysql2`),
 * each driver loaded only when a database of its kind is opened.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.js'
import { getSettings } from '../settings.js'
import { openMysqlDatabase } from './drivers/mysql-database.js'
import { openPostgresDatabase } from './drivers/postgres-database.js'
import { openSqliteDjangoDatabase } from './drivers/sqlite-database.js'

/** The database engines Django and tschannels share. */
export type DjangoVendor = 'postgresql' | 'sqlite' | 'mysql'

/**
 * A connection (pool) to the Django site's database. SQL is written with
 * `?` placeholders and identifiers quoted by `quote()`; a `Date` parameter
 * is bound the way Django stores datetimes on that engine (UTC).
 */
export interface DjangoDatabase {
  readonly vendor: DjangoVendor
  /** Whether writes are allowed; a read-only database is also read-only at the connection where the engine allows it. */
  readonly writable: boolean
  /** Runs a query and returns its rows. */
  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>
  /** Runs a statement and returns how many rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>
  /** `name` quoted as an identifier for this engine. */
  quote(name: string): string
  /** Closes the connections this object opened (not a pool or handle it was given). */
  close(): Promise<void>
}

/** Options of `openDjangoDatabase`. */
export interface DjangoDatabaseOptions {
  /**
   * Where the database is, in `DATABASE_URL` form: `postgres://user:pass@host:5432/name`,
   * `mysql://user:pass@host:3306/name` (MariaDB too), `sqlite:////absolute/path/db.sqlite3`
   * or `sqlite:///relative/db.sqlite3`.
   * @default the `databaseUrl` setting (`DATABASE_URL`)
   */
  url?: string
  /** Allow writes (sessions on login/logout, tokens). @default false */
  writable?: boolean
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/

/**
 * Opens the Django site's database from its URL. Nothing is queried until
 * the first store call; the driver for the URL's engine (`pg`, `mysql2` or
 * `better-sqlite3`) must be installed.
 *
 * @example
 * ```ts
 * const database = openDjangoDatabase({ url: process.env.DATABASE_URL })
 * ```
 */
export function openDjangoDatabase(options: DjangoDatabaseOptions = {}): DjangoDatabase {
  const url = options.url ?? getSettings().databaseUrl
  if (url === undefined || url === '') {
    throw new ImproperlyConfigured(
      "tschannels/django needs the Django site's database: set DATABASE_URL (postgres://…, mysql://…, sqlite:///…) " +
        'or pass { url }.',
    )
  }
  const writable = options.writable ?? false
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new ImproperlyConfigured('The database URL is not a URL (postgres://…, mysql://…, sqlite:///…).', {
      cause: error,
    })
  }
  switch (parsed.protocol) {
    case 'postgres:':
    case 'postgresql:':
    case 'pgsql:':
      return openPostgresDatabase(url, writable)
    case 'mysql:':
    case 'mysql2:':
    case 'mariadb:':
      return openMysqlDatabase(parsed, writable)
    case 'sqlite:':
    case 'sqlite3:':
      return openSqliteDjangoDatabase(sqlitePath(url), writable)
    default:
      throw new ImproperlyConfigured(
        `The database URL's scheme '${parsed.protocol}' is not one tschannels/django reads; ` +
          'use postgres://, mysql:// (MariaDB too) or sqlite:///.',
      )
  }
}

/**
 * Checks a table or column name before it goes into SQL text.
 * @internal
 */
export function identifier(name: unknown, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new ImproperlyConfigured(`${what} '${String(name)}' is not a plain SQL identifier.`)
  }
  return name
}

/**
 * A datetime read from any engine: a `Date` (pg, mysql2) or Django's SQLite
 * text `YYYY-MM-DD HH:MM:SS[.ffffff]`, in UTC.
 * @internal
 */
export function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value
  if (typeof value === 'string' && value !== '') {
    const date = new Date(
      `${value.replace(' ', 'T').replace(/(\.\d{3})\d*/, '$1')}${/[Zz]|[+-]\d\d:?\d\d$/.test(value) ? '' : 'Z'}`,
    )
    return Number.isNaN(date.getTime()) ? null : date
  }
  return null
}

// dj-database-url's reading: `sqlite:///db.sqlite3` is relative, `sqlite:////srv/db.sqlite3` absolute.
function sqlitePath(url: string): string {
  const rest = url.replace(/^sqlite3?:\/\//, '')
  if (rest === '' || rest === '/' || rest === ':memory:' || rest === '/:memory:') return ':memory:'
  return decodeURIComponent(rest.slice(1).split('?')[0]!)
}
