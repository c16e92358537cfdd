/**
 * The PostgreSQL `DjangoDatabase`, on `pg`.
 *
 * @module
 * @internal
 */

import type pg from 'pg'

import type { DjangoDatabase } from '../database.js'
import { loadPeer } from './load-peer.js'

/** @internal */
export function openPostgresDatabase(url: string, writable: boolean): DjangoDatabase {
  let pool: pg.Pool | undefined
  // Connected on the first query, so building a site never fails or leaves a rejection unobserved.
  let ready: Promise<pg.Pool> | undefined
  const connect = (): Promise<pg.Pool> =>
    (ready ??= loadPeer('pg', 'A PostgreSQL Django database', () => import('pg'))
      .then(({ default: driver }) => {
        pool = new driver.Pool({
          connectionString: url,
          max: 5,
          // Read-only at the server too: a bug here can never change a Django row.
          ...(writable ? {} : { options: '-c default_transaction_read_only=on' }),
        })
        // An idle client losing its server is reported here; the next query reconnects.
        pool.on('error', () => undefined)
        return pool
      })
      .catch((error: unknown) => {
        // Try again on the next query (the file or server may come later).
        ready = undefined
        throw error
      }))
  const run = async (sql: string, params: readonly unknown[] = []): Promise<pg.QueryResult> => {
    const client = await connect()
    let n = 0
    return client.query(
      sql.replace(/\?/g, () => `$${++n}`),
      params as unknown[],
    )
  }
  return {
    vendor: 'postgresql',
    writable,
    async query<Row extends object>(sql: string, params?: readonly unknown[]) {
      return (await run(sql, params)).rows as Row[]
    },
    async execute(sql, params) {
      return (await run(sql, params)).rowCount ?? 0
    },
    quote: (name) => `"${name}"`,
    async close() {
      await ready?.catch(() => undefined)
      if (pool !== undefined && !pool.ending && !pool.ended) await pool.end()
    },
  }
}
