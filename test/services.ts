/**
 * Reaching the PostgreSQL and Redis the integration suites (the chat
 * example's included) use, and the skip-or-fail rule: unreachable services
 * skip the tests, printing the reason to stderr, except with
 * `REQUIRE_SERVICES=1` (CI), where they fail.
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
  // The socket's own error (ECONNREFUSED…) says more than the "Connection is closed." that follows it.
  let cause: Error | undefined
  client.on('error', (error: Error) => void (cause ??= error))
  try {
    await client.connect()
    await client.ping()
    return { url }
  } catch (error) {
    return { reason: `Redis unreachable at ${url}: ${(cause ?? (error as Error)).message}` }
  } finally {
    client.disconnect()
  }
}

/**
 * The URL of a service that was found. When it was not: throws under
 * REQUIRE_SERVICES, so a missing service fails CI instead of skipping;
 * otherwise says why on stderr and returns `undefined`, for the caller to
 * skip its tests.
 */
export function requireOrSkip(found: { url: string } | { reason: string }): string | undefined {
  if ('url' in found) return found.url
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 but ${found.reason}`)
  announceSkip(found.reason)
  return undefined
}

/**
 * Prints why the calling test file skips tests. Vitest's default reporter
 * lists a file's skipped tests only as a count, and no reporter shows the
 * title of an empty skipped suite; what a file writes to stderr while it
 * loads is shown under its name in every reporter.
 */
export function announceSkip(reason: string): void {
  console.warn(`skipped: ${reason} (REQUIRE_SERVICES=1 makes this a failure)`)
}

/** Finds a service for a test file: its URL, or `undefined` to skip (with the reason printed); throws under REQUIRE_SERVICES. */
export async function requireService(
  find: () => Promise<{ url: string } | { reason: string }>,
): Promise<string | undefined> {
  return requireOrSkip(await find())
}
