/**
 * Whether the Redis this example's test uses answers (`REDIS_URL`, else
 * 127.0.0.1:6379): the test is skipped with the reason when it does not,
 * unless `REQUIRE_SERVICES=1` (CI), where that is a failure.
 */

import { Redis } from 'ioredis'

export async function redisSkipReason(
  url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.ping()
    return undefined
  } catch (error) {
    const reason = `Redis at ${url} does not answer (${error instanceof Error ? error.message : String(error)})`
    if (process.env.REQUIRE_SERVICES === '1')
      throw new Error(`${reason}, and REQUIRE_SERVICES=1 requires it.`, { cause: error })
    return reason
  } finally {
    client.disconnect()
  }
}
