/**
 * `redisScript()`: a Lua script as a function, run through ioredis's custom
 * commands (`defineCommand`): ioredis sends the source once per connection
 * and EVALSHA after it, and sends the source again when Redis has forgotten
 * it, instead of the whole source with every call.
 *
 * @module
 * @internal
 */

import type { Redis } from 'ioredis'

/** A script bound to a client: keys first, then arguments. @internal */
export type RedisScript = (...keysAndArgs: Array<string | number | Buffer>) => Promise<unknown>

/**
 * Defines `lua` on `client` under `name` (a name of the library's own, so
 * that a client shared with the application gains no command it could
 * collide with) and returns the function that runs it.
 *
 * @example
 * ```ts
 * import type { Redis } from 'ioredis'
 * declare const redis: Redis
 * const ACQUIRE = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
 * const acquire = redisScript(redis, 'tschannelsAcquire', ACQUIRE, 1)
 * await acquire('slot:a', 10, 60_000)
 * ```
 * @internal
 */
export function redisScript(client: Redis, name: string, lua: string, numberOfKeys: number): RedisScript {
  client.defineCommand(name, { lua, numberOfKeys })
  const command = (client as unknown as Record<string, RedisScript>)[name]!
  return (...keysAndArgs) => command.apply(client, keysAndArgs)
}
