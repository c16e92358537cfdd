/**
 * The Redis client of a store: the one the caller shares, or a new one on
 * the configured URL. Loads `ioredis`, so only modules behind the
 * `tschannels/redis` entry import it.
 *
 * @module
 * @internal
 */

import type * as Ioredis from 'ioredis'
import type { Redis } from 'ioredis'

import { ImproperlyConfigured } from '../errors.js'
import { getSettings } from '../settings.js'
import { requirePeer } from './optional-peer.js'

const ioredis = requirePeer<typeof Ioredis>('ioredis', 'tschannels/redis')

/** How a Redis-backed store is told where Redis is. @internal */
export interface RedisClientOptions {
  /** A client to share (the store then does not close it). */
  client?: Redis
  /** Where to connect; defaults to the `redisUrl` setting (`REDIS_URL`). */
  url?: string
}

/**
 * The client to use and whether the store owns it (and so closes it).
 * @throws ImproperlyConfigured, naming `storeName`, when neither a client, a URL nor `REDIS_URL` is given.
 * @internal
 */
export function redisClientFor(
  options: RedisClientOptions,
  storeName: string,
): { redis: Redis; owned: boolean } {
  if (options.client !== undefined) return { redis: options.client, owned: false }
  const url = options.url ?? getSettings().redisUrl
  if (url === undefined) {
    throw new ImproperlyConfigured(`${storeName} needs Redis: set REDIS_URL, or pass { url } or { client }.`)
  }
  return { redis: new ioredis.Redis(url), owned: true }
}
