/**
 * A fresh database of each engine for one test file: its own SQLite file,
 * PostgreSQL database or MariaDB database, dropped at the end, so the
 * shared servers' existing data is never touched.
 *
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { findPostgres, requireService, uniqueName } from '../services.js'

/** A database made for one test file. */
export interface TestDatabase {
  /** `DATABASE_URL` form, for Django and tschannels alike. */
  url: string
  drop(): Promise<void>
}

/** A new SQLite file in a temporary folder. */
export async function createSqliteDatabase(): Promise<TestDatabase> {
  const folder = mkdtempSync(join(tmpdir(), 'tschannels-django-'))
  return {
    url: `sqlite:///${folder}/db.sqlite3`,
    drop: async () => rmSync(folder, { recursive: true, force: true }),
  }
}

/** A new PostgreSQL database, or `undefined` to skip (a failure under REQUIRE_SERVICES=1). */
export async function createPostgresDatabase(): Promise<TestDatabase | undefined> {
  const base = await requireService(findPostgres)
  if (base === undefined) return undefined
  const { default: pg } = await import('pg')
  const name = uniqueName('tsdj')
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}

/** The MariaDB/MySQL server to test against, or why there is none. */
export async function findMariadb(): Promise<{ url: string } | { reason: string }> {
  const url = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
  const { default: mysql } = await import('mysql2/promise')
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 2000 })
    await connection.query('SELECT 1')
    await connection.end()
    return { url }
  } catch (error) {
    return {
      reason: `MariaDB unreachable at ${url.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}`,
    }
  }
}

/** A new MariaDB database, or `undefined` to skip (a failure under REQUIRE_SERVICES=1). */
export async function createMariadbDatabase(): Promise<TestDatabase | undefined> {
  const base = await requireService(findMariadb)
  if (base === undefined) return undefined
  const { default: mysql } = await import('mysql2/promise')
  const name = uniqueName('tsdj')
  const admin = await mysql.createConnection({ uri: base })
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await admin.end()
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const connection = await mysql.createConnection({ uri: base })
      await connection.query(`DROP DATABASE IF EXISTS ${name}`)
      await connection.end()
    },
  }
}
