/**
 * Creating a store's table only when it is missing: a table that already
 * exists is used as it is, and never altered (no index, no column), because
 * it may belong to another program (Django's migrations own
 * `django_session` and `authtoken_token`). Its columns are checked once, so
 * a store pointed at a foreign table fails with a message, not a 500.
 *
 * @module
 * @internal
 */

import type Database from 'better-sqlite3'
import type pg from 'pg'

import { ImproperlyConfigured } from '../../errors.js'

/** What a store needs of its table. @internal */
export interface OwnTable {
  /** The store's class, for messages. */
  store: string
  /** The table as the SQL names it (quoted, with its schema). */
  qualified: string
  /** Columns the store reads and writes. */
  columns: readonly string[]
  /** Where a foreign table of that shape is read instead, for the message. */
  hint: string
}

/**
 * Runs `ddl` when `regclass` names no table; otherwise checks the columns.
 * @internal
 */
export async function ensurePostgresTable(
  pool: pg.Pool,
  table: OwnTable,
  ddl: readonly string[],
): Promise<void> {
  const { rows } = await pool.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
    table.qualified,
  ])
  if (rows[0]?.found === null || rows[0]?.found === undefined) {
    for (const statement of ddl) await pool.query(statement)
    return
  }
  try {
    await pool.query(`SELECT ${table.columns.join(', ')} FROM ${table.qualified} LIMIT 0`)
  } catch (error) {
    if ((error as { code?: string }).code !== '42703') throw error
    throw foreignTable(table, error)
  }
}

/**
 * The SQLite twin of `ensurePostgresTable`.
 * @internal
 */
export function ensureSqliteTable(
  db: Database.Database,
  name: string,
  table: OwnTable,
  create: () => void,
): void {
  const exists =
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined
  if (!exists) {
    create()
    return
  }
  try {
    db.prepare(`SELECT ${table.columns.join(', ')} FROM ${table.qualified} LIMIT 0`)
  } catch (error) {
    throw foreignTable(table, error)
  }
}

function foreignTable(table: OwnTable, cause: unknown): ImproperlyConfigured {
  return new ImproperlyConfigured(
    `${table.store}: the table ${table.qualified} exists but lacks the columns ${table.store} uses ` +
      `(${table.columns.join(', ')}), so another program owns it and it is left as it is. ${table.hint}`,
    { cause },
  )
}
