/**
 * The options of the Redis layers, their defaults, and the checks that run
 * once in each constructor so that a typo fails at start-up.
 *
 * Option names are `channels_redis`'s in camelCase, so one `CHANNEL_LAYERS`
 * entry translates key for key: `hosts`, `prefix`, `expiry`, `group_expiry`
 * → `groupExpiry`, `capacity`, `channel_capacity` → `channelCapacity`,
 * `symmetric_encryption_keys` → `symmetricEncryptionKeys`,
 * `random_prefix_length` → `randomPrefixLength`.
 *
 * @module
 */

import type { RedisOptions } from 'ioredis'

import { ImproperlyConfigured } from '../../errors.js'
import { getSettings } from '../../settings.js'
import type { ChannelLayerOptions } from '../channel-layer.js'
import { refuseUnknownKeys, resolveLayerOptions, type ResolvedLayerOptions } from '../options.js'

/** A Redis server given by URL (`redis://`, `rediss://`), with ioredis options on top. */
export interface RedisAddressHost {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  address: string
  /** Extra ioredis options (TLS, passwords, timeouts). @default {} */
  options?: RedisOptions
}

/** A Redis master found through Sentinel, as `channels_redis`'s `{ sentinels, master_name }`. */
export interface RedisSentinelHost {
  /** Sentinel addresses: `'host:port'` strings, `[host, port]` pairs or `{ host, port }`. */
  sentinels: ReadonlyArray<string | readonly [string, number] | { host: string; port: number }>
  /** The master's name as the sentinels know it (`master_name`). */
  masterName: string
  /** Extra ioredis options, for the master connection and the sentinels (`sentinelPassword`, `db` …). @default {} */
  options?: RedisOptions
}

/** One shard: a URL string, a `[host, port]` pair (channels_redis's tuple), `{ address }`, or a Sentinel-managed master. */
export type RedisHost = string | readonly [string, number] | RedisAddressHost | RedisSentinelHost

/** Options both Redis layers share. */
export interface RedisLayerCommonOptions extends ChannelLayerOptions {
  /**
   * The Redis servers; with several, channels and groups are spread over them
   * by CRC-32 consistent hashing, as `channels_redis` does.
   * @default [REDIS_URL from the settings, else 'redis://localhost:6379']
   */
  hosts?: readonly RedisHost[]
  /** Prefix of every Redis key (core layer) or group channel (pub/sub layer). @default 'asgi' */
  prefix?: string
  /**
   * Keys for Fernet encryption of every message; the first encrypts, all
   * decrypt, so put a new key first to rotate. Must match the Python side's
   * `symmetric_encryption_keys`.
   * @default []
   */
  symmetricEncryptionKeys?: ReadonlyArray<string | Uint8Array>
  /**
   * Seconds a call waits for the very first connection before failing with
   * `LayerUnavailable`. Once connected, an outage fails sends at once instead.
   * @default 5
   */
  connectTimeout?: number
  /**
   * The message delivered to every live process-local channel after Redis
   * comes back from an outage, so applications can resync; `null` to deliver
   * nothing.
   * @default { type: 'layer.reconnected' }
   */
  reconnectEvent?: { type: string } | null
}

/** Options of `RedisChannelLayer`. */
export interface RedisChannelLayerOptions extends RedisLayerCommonOptions {
  /**
   * Random bytes in front of each stored message so that identical messages
   * stay distinct members of a channel's sorted set. `channels_redis` 4.0
   * always uses 12; change it only if every Python peer does too.
   * @default 12
   */
  randomPrefixLength?: number
}

/** Options of `RedisPubSubChannelLayer`. */
export type RedisPubSubChannelLayerOptions = RedisLayerCommonOptions

/** A host in the shape the connection code uses. @internal */
export interface ResolvedHost {
  /** Shown in warnings; passwords are masked. */
  readonly label: string
  readonly options: RedisOptions
  readonly url?: string
}

/** Options after validation and defaults. @internal */
export interface ResolvedRedisOptions extends ResolvedLayerOptions {
  readonly hosts: readonly ResolvedHost[]
  readonly prefix: string
  readonly symmetricEncryptionKeys: ReadonlyArray<string | Uint8Array>
  readonly connectTimeoutMs: number
  readonly reconnectEvent: { type: string } | null
  readonly randomPrefixLength: number
}

const COMMON_OPTIONS = ['hosts', 'prefix', 'symmetricEncryptionKeys', 'connectTimeout', 'reconnectEvent']
const DEFAULT_URL = 'redis://localhost:6379'

/**
 * Validates the options of a Redis layer and applies the defaults.
 *
 * @throws ImproperlyConfigured naming the first bad option.
 * @internal
 */
export function resolveRedisOptions(
  options: RedisChannelLayerOptions | undefined,
  layer: 'RedisChannelLayer' | 'RedisPubSubChannelLayer',
): ResolvedRedisOptions {
  const extra = layer === 'RedisChannelLayer' ? [...COMMON_OPTIONS, 'randomPrefixLength'] : COMMON_OPTIONS
  const base = resolveLayerOptions(options, layer, extra)
  const given = options ?? {}
  const where = (name: string): string => `${layer} option '${name}'`

  const prefix = given.prefix ?? 'asgi'
  // The prefix ends up in a KEYS/SCAN pattern for flush(), so glob characters would widen it.
  if (typeof prefix !== 'string' || prefix.length === 0 || /[\s*?[\]\\]/.test(prefix)) {
    throw new ImproperlyConfigured(
      `${where('prefix')} must be a non-empty string without spaces or glob characters (* ? [ ] \\); ` +
        `got ${JSON.stringify(prefix)}.`,
    )
  }

  const keys = given.symmetricEncryptionKeys ?? []
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string' || key instanceof Uint8Array)) {
    throw new ImproperlyConfigured(
      `${where('symmetricEncryptionKeys')} must be a list of keys (strings or bytes), even for one key, ` +
        "as in channels_redis: ['my-secret'].",
    )
  }
  if (keys.some((key) => key.length === 0)) {
    throw new ImproperlyConfigured(`${where('symmetricEncryptionKeys')} has an empty key.`)
  }

  const connectTimeout = given.connectTimeout ?? 5
  if (typeof connectTimeout !== 'number' || !(connectTimeout > 0) || !Number.isFinite(connectTimeout)) {
    throw new ImproperlyConfigured(`${where('connectTimeout')} must be a positive number of seconds.`)
  }

  const reconnectEvent =
    given.reconnectEvent === undefined ? { type: 'layer.reconnected' } : given.reconnectEvent
  if (
    reconnectEvent !== null &&
    (typeof reconnectEvent !== 'object' || typeof reconnectEvent.type !== 'string')
  ) {
    throw new ImproperlyConfigured(
      `${where('reconnectEvent')} must be a message with a string 'type', or null.`,
    )
  }

  const randomPrefixLength = given.randomPrefixLength ?? 12
  if (!Number.isInteger(randomPrefixLength) || randomPrefixLength < 0 || randomPrefixLength > 64) {
    throw new ImproperlyConfigured(`${where('randomPrefixLength')} must be an integer from 0 to 64.`)
  }

  const hostList = given.hosts ?? [getSettings().redisUrl ?? DEFAULT_URL]
  if (typeof hostList === 'string' || !Array.isArray(hostList) || hostList.length === 0) {
    throw new ImproperlyConfigured(
      `${where('hosts')} must be a non-empty list of hosts, even for one: ['redis://localhost:6379'].`,
    )
  }
  const hosts = hostList.map((host, index) => resolveHost(host, `${where('hosts')}[${index}]`))

  return {
    ...base,
    hosts,
    prefix,
    symmetricEncryptionKeys: keys,
    connectTimeoutMs: connectTimeout * 1000,
    reconnectEvent: reconnectEvent === null ? null : Object.freeze({ ...reconnectEvent }),
    randomPrefixLength,
  }
}

function resolveHost(host: unknown, where: string): ResolvedHost {
  if (typeof host === 'string') return { label: maskUrl(host), options: {}, url: checkUrl(host, where) }
  if (Array.isArray(host)) {
    const [name, port] = host as unknown[]
    if (host.length !== 2 || typeof name !== 'string' || !Number.isInteger(port)) {
      throw new ImproperlyConfigured(`${where} must be a [host, port] pair such as ['127.0.0.1', 6379].`)
    }
    const url = `redis://${name.includes(':') ? `[${name}]` : name}:${String(port)}`
    return { label: url, options: {}, url }
  }
  if (typeof host === 'object' && host !== null) {
    refuseUnknownKeys(
      host,
      'sentinels' in host ? ['sentinels', 'masterName', 'options'] : ['address', 'options'],
      `key of ${where}`,
    )
    const extra = (host as { options?: unknown }).options ?? {}
    if (typeof extra !== 'object' || extra === null)
      throw new ImproperlyConfigured(`${where}.options must be an object.`)
    if ('address' in host && typeof host.address === 'string') {
      return {
        label: maskUrl(host.address),
        options: extra,
        url: checkUrl(host.address, where),
      }
    }
    if ('sentinels' in host && 'masterName' in host) {
      const { sentinels, masterName } = host as RedisSentinelHost
      if (typeof masterName !== 'string' || masterName.length === 0) {
        throw new ImproperlyConfigured(
          `${where}.masterName must be the master's name as the sentinels know it.`,
        )
      }
      if (!Array.isArray(sentinels) || sentinels.length === 0) {
        throw new ImproperlyConfigured(`${where}.sentinels must be a non-empty list of sentinel addresses.`)
      }
      const addresses = sentinels.map((sentinel, index) =>
        parseSentinel(sentinel, `${where}.sentinels[${index}]`),
      )
      return {
        label: `sentinel:${masterName}@${addresses.map((a) => `${a.host}:${a.port}`).join(',')}`,
        options: { ...(extra as RedisOptions), sentinels: addresses, name: masterName },
      }
    }
  }
  throw new ImproperlyConfigured(
    `${where} must be a URL string, { address: 'redis://…' } or { sentinels: [...], masterName: '…' }.`,
  )
}

function checkUrl(url: string, where: string): string {
  if (!/^rediss?:\/\//.test(url)) {
    throw new ImproperlyConfigured(
      `${where} must be a redis:// or rediss:// URL; got ${JSON.stringify(maskUrl(url))}.`,
    )
  }
  return url
}

function parseSentinel(sentinel: unknown, where: string): { host: string; port: number } {
  if (typeof sentinel === 'string') {
    const match = /^(.+):(\d+)$/.exec(sentinel)
    if (match !== null) return { host: match[1]!, port: Number(match[2]) }
  } else if (Array.isArray(sentinel) && typeof sentinel[0] === 'string' && typeof sentinel[1] === 'number') {
    return { host: sentinel[0], port: sentinel[1] }
  } else if (typeof sentinel === 'object' && sentinel !== null) {
    const { host, port } = sentinel as { host?: unknown; port?: unknown }
    if (typeof host === 'string' && typeof port === 'number') return { host, port }
  }
  throw new ImproperlyConfigured(`${where} must be 'host:port', [host, port] or { host, port }.`)
}

/** The URL without its password, for messages and warnings. */
function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}
