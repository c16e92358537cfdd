import { afterEach, describe, expect, it } from 'vitest'

import { fromDjangoLayerConfig } from '../../src/django/channel-layers.js'
import { ImproperlyConfigured } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { RedisChannelLayer } from '../../src/layers/redis/index.js'
import { configureChannelLayers, getChannelLayer, resetChannelLayers } from '../../src/layers/registry.js'
import { configureSettings, resetSettings } from '../../src/settings.js'
import { REDIS_URL, redisSkipReason, uniquePrefix } from '../layers/redis/redis-service.js'

afterEach(async () => {
  await resetChannelLayers()
  resetSettings()
})

const redisSkip = await redisSkipReason()

describe('configureChannelLayers with settings as Django writes them', () => {
  it('refuses layer options given beside backend instead of under options, naming options', () => {
    const attempt = (): void =>
      configureChannelLayers({
        default: { backend: 'redis', hosts: [REDIS_URL], symmetricEncryptionKeys: ['secret'] } as never,
      })
    expect(attempt).toThrow(ImproperlyConfigured)
    expect(attempt).toThrow(/'hosts'[\s\S]*options: \{ hosts/)
  })

  it('names the nearest option for a misspelt one, inside options and in CONFIG', () => {
    configureChannelLayers({ default: { backend: 'memory', options: { capasity: 5 } as never } })
    expect(() => getChannelLayer()).toThrow(/'capasity'; did you mean 'capacity'/)
    expect(() =>
      configureChannelLayers({
        default: { BACKEND: 'channels.layers.InMemoryChannelLayer', CONFIG: { group_expiri: 5 } },
      }),
    ).toThrow(/'group_expiri'; did you mean 'group_expiry'/)
    expect(() =>
      configureChannelLayers({
        default: { BACKEND: 'channels.layers.InMemoryChannelLayer', CONFG: {} } as never,
      }),
    ).toThrow(/'CONFG'; did you mean 'CONFIG'/)
    expect(() =>
      configureChannelLayers({ default: { BACKEND: 'channels_redis.core.RedisChanelLayer' } }),
    ).toThrow(/did you mean 'channels_redis\.core\.RedisChannelLayer'/)
  })

  it('builds the in-memory layer from BACKEND and snake_case CONFIG', async () => {
    configureChannelLayers({
      default: { BACKEND: 'channels.layers.InMemoryChannelLayer', CONFIG: { capacity: 1, group_expiry: 10 } },
    })
    const layer = getChannelLayer()!
    expect(layer).toBeInstanceOf(InMemoryChannelLayer)
    await layer.send('c', { type: 'a.b' })
    await expect(layer.send('c', { type: 'a.b' })).rejects.toThrow(/capacity/)
  })

  it("translates channels_redis's host forms and keys", () => {
    expect(
      fromDjangoLayerConfig('default', {
        BACKEND: 'channels_redis.core.RedisChannelLayer',
        CONFIG: {
          hosts: [
            ['127.0.0.1', 6379],
            'redis://10.0.0.2:6379/1',
            { address: 'rediss://cache.example.com:6380' },
            { host: 'redis.internal', port: 6380, db: 2, password: 'p@ss' },
            { sentinels: [['sentinel', 26379]], master_name: 'mymaster', sentinel_kwargs: { password: 's' } },
          ],
          symmetric_encryption_keys: ['k'],
          channel_capacity: { 'http.request': 200 },
          prefix: 'site',
        },
      }),
    ).toEqual({
      backend: 'redis',
      options: {
        hosts: [
          ['127.0.0.1', 6379],
          'redis://10.0.0.2:6379/1',
          { address: 'rediss://cache.example.com:6380' },
          { address: 'redis://:p%40ss@redis.internal:6380/2' },
          { sentinels: [['sentinel', 26379]], masterName: 'mymaster', options: { sentinelPassword: 's' } },
        ],
        symmetricEncryptionKeys: ['k'],
        channelCapacity: { 'http.request': 200 },
        prefix: 'site',
      },
    })
    expect(
      fromDjangoLayerConfig('events', {
        BACKEND: 'channels_redis.pubsub.RedisPubSubChannelLayer',
        CONFIG: { hosts: ['redis://127.0.0.1:6379'] },
      }),
    ).toEqual({ backend: 'redis-pubsub', options: { hosts: ['redis://127.0.0.1:6379'] } })
    expect(() =>
      fromDjangoLayerConfig('default', {
        BACKEND: 'channels_redis.core.RedisChannelLayer',
        CONFIG: { hosts: [{ adress: 'redis://x:6379' }] },
      }),
    ).toThrow(/'adress'; did you mean 'address'/)
  })

  it('reads CHANNEL_LAYERS (JSON) from the environment when nothing was configured in code', () => {
    configureSettings(
      {},
      {
        env: {
          CHANNEL_LAYERS: JSON.stringify({
            default: { BACKEND: 'channels.layers.InMemoryChannelLayer', CONFIG: { expiry: 5 } },
          }),
        },
      },
    )
    expect(getChannelLayer()).toBeInstanceOf(InMemoryChannelLayer)
    expect(() => configureSettings({}, { env: { CHANNEL_LAYERS: '{not json' } })).toThrow(
      /CHANNEL_LAYERS is not valid JSON/,
    )
  })

  describe.skipIf(redisSkip !== undefined)('on Redis', () => {
    it('a layer built from a Django dict with tuple hosts and encryption keys talks to one built in tschannels form', async () => {
      const url = new URL(REDIS_URL)
      const prefix = uniquePrefix('djlayers')
      configureChannelLayers({
        default: {
          BACKEND: 'channels_redis.core.RedisChannelLayer',
          CONFIG: {
            hosts: [[url.hostname, Number(url.port || 6379)]],
            prefix,
            symmetric_encryption_keys: ['k-1'],
          },
        },
      })
      const django = getChannelLayer()!
      expect(django).toBeInstanceOf(RedisChannelLayer)
      const ours = new RedisChannelLayer({ hosts: [REDIS_URL], prefix, symmetricEncryptionKeys: ['k-1'] })
      try {
        const channel = await ours.newChannel()
        await django.send(channel, { type: 'hello.there', n: 1 })
        expect(await ours.receive(channel)).toEqual({ type: 'hello.there', n: 1 })
      } finally {
        await ours.flush()
        await ours.close()
      }
    })
  })
})
