/**
 * The MariaDB/MySQL `DjangoDatabase`, on `mysql2`.
 *
 * @module
 * @internal
 */

import type { Pool, ResultSetHeader } from 'mysql2/promise'

import type { DjangoDatabase } from '../database.js'
import { loadPeer } from './load-peer.js'

/** mysql2's callback connection, as its pool's `connection` event hands it over. */
interface CoreConnection {
  query(sql: string, callback: () => void): void
}

/** @internal */
export function openMysqlDatabase(url: URL, writable: boolean): DjangoDatabase {
  let pool: Pool | undefined
  // Connected on the first query, so building a site never fails or leaves a rejection unobserved.
  let ready: Promise<Pool> | undefined
  const connect = (): Promise<Pool> =>
    (ready ??= loadPeer('mysql2', 'A MariaDB/MySQL Django database', () => import('mysql2/promise'))
      .then((driver) => {
        pool = driver.createPool({
          host: url.hostname || 'localhost',
          port: url.port === '' ? 3306 : Number(url.port),
          user: decodeURIComponent(url.username),
          password: decodeURIComponent(url.password),
          database: decodeURIComponent(url.pathname.slice(1)),
          connectionLimit: 5,
          // Django stores datetimes in UTC when USE_TZ is on.
          timezone: 'Z',
          supportBigNumbers: true,
          bigNumberStrings: true,
          charset: 'utf8mb4',
        })
        if (!writable) {
          // Read-only at the server too: a bug here can never change a Django row.
          // The pool's core emits each new connection before lending it, so this runs first on it.
          const core = (
            pool as unknown as { pool: { on(event: 'connection', f: (c: CoreConnection) => void): void } }
          ).pool
          core.on('connection', (connection) =>
            connection.query('SET SESSION TRANSACTION READ ONLY', () => undefined),
          )
        }
        return pool
      })
      .catch((error: unknown) => {
        // Try again on the next query (the file or server may come later).
        ready = undefined
        throw error
      }))
  return {
    vendor: 'mysql',
    writable,
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      const [rows] = await (await connect()).query(sql, params as unknown[])
      return rows as Row[]
    },
    async execute(sql, params = []) {
      const [result] = await (await connect()).query<ResultSetHeader>(sql, params as unknown[])
      return result.affectedRows
    },
    quote: (name) => `\`${name}\``,
    async close() {
      await ready?.catch(() => undefined)
      await pool?.end()
      pool = undefined
    },
  }
}
