/**
 * Both Redis layers with `hosts: [{ sentinels, masterName }]` against a real
 * Sentinel watching a private master and its replica: traffic goes through
 * the master the Sentinel names, and resumes on the replica after the
 * master is killed and the Sentinel fails over.
 */

import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'

import type { ChannelLayer } from '../../../src/layers/channel-layer.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import type { LayerMessage } from '../../../src/types.js'
import { PrivateRedis, PrivateSentinel, sentinelSkipReason, waitFor } from './redis-server.js'
import { uniquePrefix } from './redis-service.js'

const skipReason = await sentinelSkipReason()

const MASTER_NAME = 'tschannels-master'

type Kind = 'core' | 'pubsub'
const KINDS: Record<Kind, string> = { core: 'RedisChannelLayer', pubsub: 'RedisPubSubChannelLayer' }

let master: PrivateRedis | undefined
let replica: PrivateRedis | undefined
let sentinel: PrivateSentinel | undefined
const clients: Redis[] = []

function client(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => null })
  redis.on('error', () => undefined)
  clients.push(redis)
  return redis
}

function newLayer(kind: Kind, prefix: string): ChannelLayer {
  const options = {
    hosts: [{ sentinels: [{ host: '127.0.0.1', port: sentinel!.port }], masterName: MASTER_NAME }],
    prefix,
  }
  const layer = kind === 'core' ? new RedisChannelLayer(options) : new RedisPubSubChannelLayer(options)
  onTestFinished(() => layer.close())
  return layer
}

const next = (layer: ChannelLayer, channel: string, ms = 5000): Promise<LayerMessage> =>
  layer.receive(channel, { signal: AbortSignal.timeout(ms) })

/** Receives until a message that is not the reconnect event arrives. */
async function nextSkippingReconnect(layer: ChannelLayer, channel: string): Promise<LayerMessage> {
  for (;;) {
    const message = await next(layer, channel)
    if (message.type !== 'layer.reconnected') return message
  }
}

/** Two processes, with a channel each in one group, exchanging a direct message and a group message. */
async function exchange(
  a: ChannelLayer,
  b: ChannelLayer,
  aChannel: string,
  bChannel: string,
  group: string,
  tag: string,
): Promise<void> {
  await a.send(bChannel, { type: 'direct', tag })
  expect(await nextSkippingReconnect(b, bChannel)).toEqual({ type: 'direct', tag })
  await b.send(aChannel, { type: 'direct', tag })
  expect(await nextSkippingReconnect(a, aChannel)).toEqual({ type: 'direct', tag })
  await b.groupSend(group, { type: 'group', tag })
  expect(await nextSkippingReconnect(a, aChannel)).toEqual({ type: 'group', tag })
  expect(await nextSkippingReconnect(b, bChannel)).toEqual({ type: 'group', tag })
}

describe.skipIf(skipReason !== undefined)('Redis layers through Sentinel', () => {
  beforeAll(async () => {
    master = await PrivateRedis.start()
    replica = await PrivateRedis.start({ replicaOf: master.port })
    const replicaClient = client(replica.port)
    await waitFor(
      async () => (await replicaClient.info('replication')).includes('master_link_status:up'),
      'the replica to sync',
      10_000,
    )
    sentinel = await PrivateSentinel.start({ masterName: MASTER_NAME, masterPort: master.port })
    const sentinelClient = client(sentinel.port)
    // Only a replica the Sentinel knows of can be promoted.
    await waitFor(
      async () => ((await sentinelClient.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[]).length > 0,
      'the Sentinel to find the replica',
      10_000,
    )
  })

  afterAll(async () => {
    for (const redis of clients) redis.disconnect()
    await Promise.all([sentinel?.kill(), replica?.kill(), master?.kill()])
  })

  for (const kind of ['core', 'pubsub'] as const) {
    it(`${KINDS[kind]} sends, receives and group-sends through the master the Sentinel names`, async () => {
      const prefix = uniquePrefix('sentinel')
      const a = newLayer(kind, prefix)
      const b = newLayer(kind, prefix)
      const aChannel = await a.newChannel()
      const bChannel = await b.newChannel()
      await a.groupAdd('room', aChannel)
      await b.groupAdd('room', bChannel)
      await exchange(a, b, aChannel, bChannel, 'room', 'hello')

      // Named channels too: pub/sub needs the receive in place before the send.
      const received = next(b, 'jobs')
      const masterClient = client(master!.port)
      if (kind === 'pubsub') {
        await waitFor(
          async () => Number(((await masterClient.pubsub('NUMSUB', 'jobs')) as [string, number])[1]) > 0,
          'the subscription on the master',
        )
      }
      await a.send('jobs', { type: 'job' })
      expect(await received).toEqual({ type: 'job' })

      // The layer is on the master: the memberships it wrote (a replica refuses writes) or its subscriptions.
      if (kind === 'core') {
        expect(await masterClient.zrange(`${prefix}:group:room`, 0, -1)).toEqual(
          expect.arrayContaining([aChannel, bChannel]),
        )
      } else {
        const subscribed = (await masterClient.pubsub('CHANNELS', `${prefix}__group__*`)) as string[]
        expect(subscribed).toEqual([`${prefix}__group__room`])
      }
    })
  }

  it('both layers reconnect to the promoted replica after the master is killed, and traffic resumes', async () => {
    const pairs = await Promise.all(
      (['core', 'pubsub'] as const).map(async (kind) => {
        const prefix = uniquePrefix('failover')
        const a = newLayer(kind, prefix)
        const b = newLayer(kind, prefix)
        const aChannel = await a.newChannel()
        const bChannel = await b.newChannel()
        await a.groupAdd('room', aChannel)
        await b.groupAdd('room', bChannel)
        await exchange(a, b, aChannel, bChannel, 'room', 'before')
        return { kind, prefix, a, b, aChannel, bChannel }
      }),
    )
    // The replica must hold the memberships before the master goes.
    const masterClient = client(master!.port)
    expect(await masterClient.call('WAIT', '1', '2000')).toBe(1)

    await master!.kill()
    const sentinelClient = client(sentinel!.port)
    const promoted = async (): Promise<boolean> => {
      const address = (await sentinelClient.call(
        'SENTINEL',
        'GET-MASTER-ADDR-BY-NAME',
        MASTER_NAME,
      )) as string[]
      if (address[1] === String(replica!.port)) return true
      // Forces the failover now rather than after the down-after period; INPROG once it is under way.
      await sentinelClient.call('SENTINEL', 'FAILOVER', MASTER_NAME).catch(() => undefined)
      return false
    }
    await waitFor(promoted, 'the Sentinel to promote the replica', 8000)

    const promotedClient = client(replica!.port)
    for (const { kind, prefix, a, b, aChannel, bChannel } of pairs) {
      // Each process tells its channels that the layer reconnected.
      expect(await next(a, aChannel, 8000)).toEqual({ type: 'layer.reconnected' })
      expect(await next(b, bChannel, 8000)).toEqual({ type: 'layer.reconnected' })
      await exchange(a, b, aChannel, bChannel, 'room', 'after')
      if (kind === 'core') {
        expect((await promotedClient.zrange(`${prefix}:group:room`, 0, -1)).sort()).toEqual(
          [aChannel, bChannel].sort(),
        )
      } else {
        expect(await promotedClient.pubsub('CHANNELS', `${prefix}__group__*`)).toEqual([
          `${prefix}__group__room`,
        ])
      }
    }
  })
})

if (skipReason !== undefined)
  describe.skip(`Redis layers through Sentinel (skipped: ${skipReason})`, () => {})
