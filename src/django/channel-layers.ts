/**
 * Django's `CHANNEL_LAYERS` entries as tschannels layer configs:
 * `BACKEND`/`CONFIG`, snake_case options, and channels_redis's host forms
 * (URL strings, `(host, port)` tuples, `{ address }` and connection dicts,
 * Sentinel dicts). No driver is loaded here: `configureChannelLayers()`
 * uses it to accept a Django settings dict as it is.
 *
 * @module
 * @internal
 */

import { ImproperlyConfigured } from '../errors.js'
import { nearest, refuseUnknownKeys } from '../layers/options.js'

/** One `CHANNEL_LAYERS` entry as Django's settings write it. */
export interface DjangoChannelLayerConfig {
  /** `channels.layers.InMemoryChannelLayer`, `channels_redis.core.RedisChannelLayer` or `channels_redis.pubsub.RedisPubSubChannelLayer`. */
  BACKEND: string
  /** The layer's keyword arguments, snake_case as in Python. */
  CONFIG?: Readonly<Record<string, unknown>>
  /** Used by Channels' own tests only; accepted and ignored. */
  TEST_CONFIG?: Readonly<Record<string, unknown>>
}

const BACKENDS: Readonly<Record<string, string>> = {
  'channels.layers.InMemoryChannelLayer': 'memory',
  'channels_redis.core.RedisChannelLayer': 'redis',
  'channels_redis.pubsub.RedisPubSubChannelLayer': 'redis-pubsub',
}
const COMMON: Readonly<Record<string, string>> = {
  expiry: 'expiry',
  group_expiry: 'groupExpiry',
  capacity: 'capacity',
  channel_capacity: 'channelCapacity',
}
const REDIS: Readonly<Record<string, string>> = {
  ...COMMON,
  hosts: 'hosts',
  prefix: 'prefix',
  symmetric_encryption_keys: 'symmetricEncryptionKeys',
}
const OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  memory: COMMON,
  redis: REDIS,
  'redis-pubsub': REDIS,
}
const CONNECTION_KEYS = ['address', 'host', 'port', 'db', 'username', 'password']
const SENTINEL_KEYS = ['sentinels', 'master_name', 'sentinel_kwargs', 'db', 'username', 'password']

/**
 * Whether `value` is written as Django writes a layer (`BACKEND`).
 * @internal
 */
export function isDjangoLayerConfig(value: unknown): value is DjangoChannelLayerConfig {
  return typeof value === 'object' && value !== null && 'BACKEND' in value
}

/**
 * The tschannels config for one Django `CHANNEL_LAYERS` entry.
 * @throws ImproperlyConfigured naming an unknown backend or key and the nearest known one.
 * @internal
 */
export function fromDjangoLayerConfig(
  alias: string,
  config: DjangoChannelLayerConfig,
): { backend: string; options: Record<string, unknown> } {
  const where = `CHANNEL_LAYERS['${alias}']`
  refuseUnknownKeys(config, ['BACKEND', 'CONFIG', 'TEST_CONFIG'], `key of ${where}`)
  const backend = BACKENDS[config.BACKEND]
  if (backend === undefined) {
    const guess = nearest(String(config.BACKEND), Object.keys(BACKENDS))
    throw new ImproperlyConfigured(
      `${where} BACKEND '${String(config.BACKEND)}' is not one tschannels runs` +
        `${guess === undefined ? '' : `; did you mean '${guess}'?`} Known: ${Object.keys(BACKENDS).join(', ')}.`,
    )
  }
  const given = config.CONFIG ?? {}
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ImproperlyConfigured(`${where}['CONFIG'] must be a dict of options.`)
  }
  const names = OPTIONS[backend]!
  refuseUnknownKeys(given, Object.keys(names), `CONFIG key of ${where} (${config.BACKEND})`)
  const options: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(given)) {
    options[names[key]!] = key === 'hosts' ? hostsFromDjango(value, `${where}['CONFIG']['hosts']`) : value
  }
  return { backend, options }
}

function hostsFromDjango(hosts: unknown, where: string): unknown {
  if (!Array.isArray(hosts)) return hosts // The layer's own check explains the list it needs.
  return hosts.map((host: unknown, index) => hostFromDjango(host, `${where}[${index}]`))
}

function hostFromDjango(host: unknown, where: string): unknown {
  if (typeof host === 'string' || Array.isArray(host)) return host
  if (typeof host !== 'object' || host === null) return host
  const dict = host as Record<string, unknown>
  if ('master_name' in dict) {
    refuseUnknownKeys(dict, SENTINEL_KEYS, `key of ${where}`)
    const options: Record<string, unknown> = {}
    if (dict.db !== undefined) options.db = dict.db
    if (dict.username !== undefined) options.username = dict.username
    if (dict.password !== undefined) options.password = dict.password
    const kwargs = dict.sentinel_kwargs as Record<string, unknown> | undefined
    if (kwargs?.password !== undefined) options.sentinelPassword = kwargs.password
    if (kwargs?.username !== undefined) options.sentinelUsername = kwargs.username
    return { sentinels: dict.sentinels, masterName: dict.master_name, options }
  }
  refuseUnknownKeys(dict, CONNECTION_KEYS, `key of ${where}`)
  if (typeof dict.address === 'string') return { address: dict.address }
  if (Array.isArray(dict.address)) return dict.address
  const text = (key: string, fallback: string): string => {
    const value = dict[key]
    if (value === undefined) return fallback
    if (typeof value === 'string' || typeof value === 'number') return String(value)
    throw new ImproperlyConfigured(`${where}['${key}'] must be a string or a number.`)
  }
  const name = text('host', 'localhost')
  const auth =
    dict.password === undefined
      ? ''
      : `${encodeURIComponent(text('username', ''))}:${encodeURIComponent(text('password', ''))}@`
  const db = dict.db === undefined ? '' : `/${text('db', '0')}`
  return { address: `redis://${auth}${name.includes(':') ? `[${name}]` : name}:${text('port', '6379')}${db}` }
}
