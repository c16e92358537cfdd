/**
 * The connection pool of a PostgreSQL store: the one the caller shares, or a
 * new one on the configured URL. Loads `pg`, so only modules behind the
 * `tschannels/postgres` entry import it.
 *
 * @module
 * @internal
 */

import type pg from 'pg'

import { ImproperlyConfigured } from '../errors.js'
import { getSettings } from '../settings.js'
import { requirePeer } from './optional-peer.js'

const { Pool } = requirePeer<typeof pg>('pg', 'tschannels/postgres')

/** How a PostgreSQL-backed store is told where the database is. @internal */
export interface PostgresPoolOptions {
  /** A pool to share (the store then does not end it). */
  pool?: pg.Pool
  /** Where to connect; defaults to the `databaseUrl` setting (`DATABASE_URL`). */
  connectionString?: string
}

/**
 * The pool to use and whether the store owns it (and so ends it).
 * @throws ImproperlyConfigured, naming `storeName`, when neither a pool, a URL nor `DATABASE_URL` is given.
 * @internal
 */
export function postgresPoolFor(
  options: PostgresPoolOptions,
  storeName: string,
): { pool: pg.Pool; owned: boolean } {
  if (options.pool !== undefined) return { pool: options.pool, owned: false }
  const connectionString = options.connectionString ?? getSettings().databaseUrl
  if (connectionString === undefined) {
    throw new ImproperlyConfigured(
      `${storeName} needs a database: set DATABASE_URL, or pass { connectionString } or { pool }.`,
    )
  }
  return { pool: new Pool({ connectionString }), owned: true }
}
