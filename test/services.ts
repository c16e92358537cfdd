/**
 * Reaching the PostgreSQL and Redis the integration suites (the chat
 * example's included) use, and the
 * skip-or-fail rule: unreachable services skip the tests with a reason,
 * except with `REQUIRE_SERVICES=1` (CI), where they fail.
 *
 * @module
 */

import { randomBytes } from 'node:crypto'

/** Whether CI asked for real services. */
export const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1'

/** A name unique to this test run, safe in SQL identifiers and Redis keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`
}

/** The PostgreSQL connection string to test against, or why there is none. */
export async function findPostgres(): Promise<{ url: string } | { reason: string }> {
  const { default: pg } = await import('pg')
  const candidates = process.env.DATABASE_URL
    ? [process.env.DATABASE_URL]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test']
  const errors: string[] = []
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.query('select 1')
      return { url }
    } catch (error) {
      errors.push(`${url.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}`)
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  return { reason: `PostgreSQL unreachable (${errors.join('; ')})` }
}

/** The Redis URL to test against, or why there is none. */
export async function findRedis(): Promise<{ url: string } | { reason: string }> {
  const { Redis } = await import('ioredis')
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.ping()
    return { url }
  } catch (error) {
    return { reason: `Redis unreachable at ${url}: ${(error as Error).message}` }
  } finally {
    client.disconnect()
  }
}

/** Throws under REQUIRE_SERVICES, so a missing service fails CI instead of skipping. */
export function requireOrSkip(found: { url: string } | { reason: string }): string | undefined {
  if ('url' in found) return found.url
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 but ${found.reason}`)
  return undefined
}

/** Finds a service for a test file: its URL, or `undefined` to skip (with the reason logged); throws under REQUIRE_SERVICES. */
export async function requireService(
  find: () => Promise<{ url: string } | { reason: string }>,
): Promise<string | undefined> {
  const found = await find()
  const url = requireOrSkip(found)
  if (url === undefined && 'reason' in found) console.warn(`skipping: ${found.reason}`)
  return url
}
