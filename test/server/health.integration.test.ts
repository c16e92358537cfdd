import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { Redis } from 'ioredis'
import { describe, expect, it, onTestFinished } from 'vitest'

import { ServerMetrics } from 'tschannels/metrics'

import { ImproperlyConfigured } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { RedisPubSubChannelLayer } from '../../src/layers/redis/index.js'
import { configureChannelLayers, getChannelLayer, resetChannelLayers } from '../../src/layers/registry.js'
import { createServerContext } from '../../src/server/context.js'
import { answerProbe } from '../../src/server/health.js'
import type { Application } from '../../src/types.js'
import { PrivateRedis, redisServerSkipReason } from '../layers/redis/redis-server.js'
import { startServer } from './helpers.js'
import { parseExposition } from './prometheus-text.js'

const hello: Application = async (_scope, _receive, send) => {
  await send({ type: 'http.response.start', status: 200 })
  await send({ type: 'http.response.body', body: new TextEncoder().encode('app') })
}

const skipReason = redisServerSkipReason()

describe('health and readiness probes', () => {
  it('answers liveness and readiness on the health path and leaves other paths to the application', async () => {
    onTestFinished(() => resetChannelLayers())
    configureChannelLayers({ default: new InMemoryChannelLayer() })
    const { url } = await startServer(hello, { healthPath: '/healthz' })
    const live = await fetch(`${url}/healthz`)
    expect([live.status, await live.text()]).toEqual([200, 'ok\n'])
    const ready = await fetch(`${url}/healthz/ready`)
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n'])
    expect(await (await fetch(`${url}/healthzz`)).text()).toBe('app')
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(405)
  })

  it('is not ready while the server drains', async () => {
    const ctx = createServerContext(hello, { healthPath: '/healthz' }, 'serve()')
    const server = createServer((req, res) => void answerProbe(ctx, req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => void server.close())
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz/ready`
    ctx.draining = true
    const response = await fetch(url)
    expect([response.status, await response.text()]).toEqual([503, 'not ready: draining\n'])
  })

  it.each([['/'], ['healthz'], ['/healthz/'], ['/a?b']])('refuses %s as a health path', (healthPath) => {
    expect(() => createServerContext(hello, { healthPath }, 'serve()')).toThrow(ImproperlyConfigured)
  })

  it.skipIf(skipReason !== undefined)(
    'is not ready while the channel layer cannot reach Redis, and counts the reconnect',
    { timeout: 30_000 },
    async () => {
      const redis = await PrivateRedis.start()
      onTestFinished(() => redis.kill())
      onTestFinished(() => resetChannelLayers())
      configureChannelLayers({
        default: new RedisPubSubChannelLayer({ hosts: [redis.url], prefix: 'health' }),
      })
      const metrics = new ServerMetrics()
      const { url } = await startServer(hello, { healthPath: '/healthz', metrics })
      const readiness = async (): Promise<string> => (await fetch(`${url}/healthz/ready`)).text()
      await expect.poll(readiness, { timeout: 10_000 }).toBe('ready\n')
      const up = async (): Promise<number | undefined> =>
        parseExposition(await metrics.registry.metrics()).value('tschannels_redis_up', { alias: 'default' })
      expect(await up()).toBe(1)
      expect(getChannelLayer()).toBeInstanceOf(RedisPubSubChannelLayer)

      await redis.kill()
      await expect
        .poll(readiness, { timeout: 10_000 })
        .toBe("not ready: channel layer 'default' cannot reach Redis\n")
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
      expect(await up()).toBe(0)

      await redis.start()
      await expect.poll(readiness, { timeout: 15_000 }).toBe('ready\n')
      const exposition = parseExposition(await metrics.registry.metrics())
      expect(exposition.value('tschannels_redis_reconnects_total', { alias: 'default' })).toBe(1)
      expect(exposition.value('tschannels_redis_subscriptions', { alias: 'default' })).toBe(1)
    },
  )

  it.skipIf(skipReason !== undefined)(
    'is not ready when Redis drops only the subscriber connection of a pub/sub layer',
    { timeout: 30_000 },
    async () => {
      const redis = await PrivateRedis.start()
      onTestFinished(() => redis.kill())
      const layer = new RedisPubSubChannelLayer({ hosts: [redis.url], prefix: 'health-sub' })
      onTestFinished(() => layer.close())
      await layer.groupAdd('room', await layer.newChannel())
      await expect.poll(() => layer.isReachable, { timeout: 10_000 }).toBe(true)
      // The subscriber's status changes before its 'close' event: read readiness right there.
      const shards = (layer as unknown as { shards: Array<{ subscriber(): Redis }> }).shards
      const seen = new Promise<boolean>((resolve) =>
        shards[0]!.subscriber().once('close', () => resolve(layer.isReachable)),
      )
      const admin = new Redis(redis.url)
      onTestFinished(() => void admin.disconnect())
      // What Redis does to a subscriber over its output-buffer limit; commands keep working.
      await admin.client('KILL', 'TYPE', 'pubsub')
      expect(await seen).toBe(false)
      await expect.poll(() => layer.isReachable, { timeout: 10_000 }).toBe(true)
    },
  )
})
