/**
 * Finds the Redis the tests use (`REDIS_URL`, else 127.0.0.1:6379) and
 * decides what happens when it is missing: the Redis tests are skipped with
 * the reason, unless `REQUIRE_SERVICES=1` (CI), where that is a failure.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import { Redis } from 'ioredis'
import { onTestFinished } from 'vitest'

import { findRedis, requireOrSkip } from '../../services.js'

/** The Redis URL under test. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/**
 * Why the Redis tests are skipped, or `undefined` when Redis answers.
 * Throws when Redis is required but unreachable.
 */
export async function redisSkipReason(): Promise<string | undefined> {
  const found = await findRedis()
  return requireOrSkip(found) === undefined && 'reason' in found ? found.reason : undefined
}

/** A key prefix no other test (or parallel test file) uses. */
export function uniquePrefix(base = 't'): string {
  return `${base}${randomUUID().replaceAll('-', '').slice(0, 12)}`
}

/** A plain client for inspecting Redis in tests; close it with `quit()`. */
export function inspector(): Redis {
  return new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 })
}

/** Number of keys under `prefix`. */
export async function countKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let count = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    count += keys.length
  } while (cursor !== '0')
  return count
}

/**
 * Closes `layers` when the test ends, in the order given (a sender before
 * its receiver). Safe when the test closed one itself: `close()` is
 * idempotent.
 */
export function closeAfterTest(...layers: { close(): Promise<void> }[]): void {
  onTestFinished(async () => {
    for (const layer of layers) await layer.close()
  })
}
