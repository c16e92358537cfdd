/**
 * Both Redis layers over three real Redis servers, with two layer instances
 * standing for two processes: traffic between them, where the keys and
 * subscriptions end up, expiry, and a Python channels_redis peer sharing
 * the same three shards.
 */

import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'

import { ChannelFull, ReceiveCancelled } from '../../../src/errors.js'
import type { ChannelLayer } from '../../../src/layers/channel-layer.js'
import { nonLocalName } from '../../../src/layers/layer-checks.js'
import { consistentHash } from '../../../src/layers/redis/consistent-hash.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import type { LayerMessage } from '../../../src/types.js'
import { pythonSkipReason, startPeer } from '../../interop/python-peer.js'
import { PrivateRedis, redisServerSkipReason, waitFor } from './redis-server.js'
import { uniquePrefix } from './redis-service.js'

const skipReason = redisServerSkipReason()
const pythonSkip = skipReason ?? pythonSkipReason()

const SHARDS = 3
const shardOf = (name: string): number => consistentHash(name, SHARDS)
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Prefixes for newChannel(): different routing names, so one process's channels use several shards. */
const CHANNEL_PREFIXES = ['specific', 'chat', 'room', 'game', 'feed', 'alerts', 'jobs', 'push', 'sync']
/** Fixed names, so the shards they hash to (checked below to cover all three) are the same every run. */
const GROUPS = range(9).map((i) => `room.${i}`)
const NAMED = range(9).map((i) => `jobs.${i}`)

type Kind = 'core' | 'pubsub'

const servers: PrivateRedis[] = []
let inspectors: Redis[] = []
let hosts: string[] = []

function newLayer(
  kind: Kind,
  prefix: string,
  extra: { expiry?: number; capacity?: number } = {},
): ChannelLayer {
  const options = { hosts, prefix, ...extra }
  const layer = kind === 'core' ? new RedisChannelLayer(options) : new RedisPubSubChannelLayer(options)
  onTestFinished(() => layer.close())
  return layer
}

/** Two instances of one layer on the three shards, as two processes would run them. */
function twoProcesses(
  kind: Kind,
  extra?: { expiry?: number; capacity?: number },
): {
  a: ChannelLayer
  b: ChannelLayer
  prefix: string
} {
  const prefix = uniquePrefix('shard')
  return { a: newLayer(kind, prefix, extra), b: newLayer(kind, prefix, extra), prefix }
}

const next = (layer: ChannelLayer, channel: string, ms = 5000): Promise<LayerMessage> =>
  layer.receive(channel, { signal: AbortSignal.timeout(ms) })

/** Nothing else arrives on `channel` within `ms` (a bounded check for duplicates). */
async function expectNothingMore(layer: ChannelLayer, channel: string, ms = 200): Promise<void> {
  await expect(layer.receive(channel, { signal: AbortSignal.timeout(ms) })).rejects.toBeInstanceOf(
    ReceiveCancelled,
  )
}

/** The indexes of the servers that hold `key`. */
async function serversHolding(key: string): Promise<number[]> {
  const found = await Promise.all(inspectors.map((client) => client.exists(key)))
  return range(SHARDS).filter((index) => found[index] === 1)
}

/** The indexes of the servers where some client subscribes to pub/sub channel `name`. */
async function serversSubscribed(name: string): Promise<number[]> {
  const counts = await Promise.all(
    inspectors.map(async (client) => Number(((await client.pubsub('NUMSUB', name)) as [string, number])[1])),
  )
  return range(SHARDS).filter((index) => counts[index]! > 0)
}

describe.skipIf(skipReason !== undefined)('Redis layers over three shards', () => {
  beforeAll(async () => {
    // One at a time, so that afterAll kills every server started even when one fails to start.
    for (const _ of range(SHARDS)) servers.push(await PrivateRedis.start())
    hosts = servers.map((server) => server.url)
    inspectors = servers.map((server) => new Redis(server.url, { maxRetriesPerRequest: 1 }))
  })

  afterAll(async () => {
    for (const client of inspectors) client.disconnect()
    await Promise.all(servers.map((server) => server.kill()))
  })

  it('the fixed group and channel names of these tests hash to all three shards', () => {
    expect(new Set(GROUPS.map(shardOf)).size).toBe(SHARDS)
    expect(new Set(NAMED.map(shardOf)).size).toBe(SHARDS)
  })

  for (const kind of ['core', 'pubsub'] as const) {
    describe(kind === 'core' ? 'RedisChannelLayer' : 'RedisPubSubChannelLayer', () => {
      it('direct sends to the other process’s channels from newChannel() arrive in order, both ways', async () => {
        const { a, b } = twoProcesses(kind)
        const open = (layer: ChannelLayer): Promise<string[]> =>
          Promise.all(range(18).map((i) => layer.newChannel(CHANNEL_PREFIXES[i % CHANNEL_PREFIXES.length])))
        const [aChannels, bChannels] = await Promise.all([open(a), open(b)])
        const rounds = 10
        const sendAll = async (from: ChannelLayer, to: string[]): Promise<void> => {
          for (const n of range(rounds))
            await Promise.all(to.map((channel) => from.send(channel, { type: 'm', n, channel })))
        }
        const receiveAll = (layer: ChannelLayer, channels: string[]): Promise<void[]> =>
          Promise.all(
            channels.map(async (channel) => {
              for (const n of range(rounds))
                expect(await next(layer, channel)).toEqual({ type: 'm', n, channel })
            }),
          )
        await Promise.all([sendAll(a, bChannels), sendAll(b, aChannels)])
        await Promise.all([receiveAll(b, bChannels), receiveAll(a, aChannels)])
        await Promise.all([
          ...aChannels.map((channel) => expectNothingMore(a, channel, 50)),
          ...bChannels.map((channel) => expectNothingMore(b, channel, 50)),
        ])
      })

      it('named channels on every shard get what the other process sends, in order', async () => {
        const { a, b } = twoProcesses(kind)
        const rounds = 8
        const firsts = NAMED.map((channel) => next(b, channel))
        if (kind === 'pubsub') {
          // Pub/sub delivers only to subscribers: wait until each subscription is on its channel's shard.
          for (const channel of NAMED) {
            await waitFor(
              async () => (await serversSubscribed(channel)).includes(shardOf(channel)),
              `the subscription to ${channel}`,
            )
          }
        }
        for (const n of range(rounds))
          await Promise.all(NAMED.map((channel) => a.send(channel, { type: 'job', n })))
        await Promise.all(
          NAMED.map(async (channel, index) => {
            expect(await firsts[index]).toEqual({ type: 'job', n: 0 })
            for (const n of range(rounds).slice(1)) expect(await next(b, channel)).toEqual({ type: 'job', n })
          }),
        )
      })

      it('groupSend reaches every member in both processes exactly once, from either process', async () => {
        const { a, b } = twoProcesses(kind)
        const members = new Map<string, { layer: ChannelLayer; channel: string }[]>()
        for (const group of GROUPS) {
          const list = []
          for (const [layer, prefix] of [
            [a, 'chat'],
            [a, 'specific'],
            [b, 'chat'],
            [b, 'feed'],
          ] as const) {
            const channel = await layer.newChannel(prefix)
            await layer.groupAdd(group, channel)
            list.push({ layer, channel })
          }
          members.set(group, list)
        }
        const sends = 3
        await Promise.all(
          GROUPS.flatMap((group) =>
            (
              [
                ['a', a],
                ['b', b],
              ] as const
            ).map(async ([from, layer]) => {
              for (const n of range(sends)) await layer.groupSend(group, { type: 'chat', from, group, n })
              await layer.groupSend(group, { type: 'done', from, group })
            }),
          ),
        )
        await Promise.all(
          [...members].flatMap(([group, list]) =>
            list.map(async ({ layer, channel }) => {
              const got: LayerMessage[] = []
              let done = 0
              while (done < 2) {
                const message = await next(layer, channel)
                if (message.type === 'done') done++
                else got.push(message)
              }
              for (const from of ['a', 'b']) {
                expect(got.filter((message) => message.from === from)).toEqual(
                  range(sends).map((n) => ({ type: 'chat', from, group, n })),
                )
              }
              expect(got).toHaveLength(2 * sends)
              await expectNothingMore(layer, channel)
            }),
          ),
        )
      })
    })
  }

  describe('where the keys are (RedisChannelLayer)', () => {
    it('puts each group, named channel and process queue on the shard its name hashes to; flush() empties all', async () => {
      const { a, prefix } = twoProcesses('core')
      const member = await a.newChannel()
      for (const group of GROUPS) await a.groupAdd(group, member)
      // Nobody receives on these, so their messages stay in Redis to be looked at.
      for (const channel of NAMED) await a.send(channel, { type: 'job' })
      const ghosts = range(6).map((i) => `specific.ghost${i}!inbox`)
      for (const channel of ghosts) await a.send(channel, { type: 'direct' })

      const used = new Set<number>()
      for (const group of GROUPS) {
        expect(await serversHolding(`${prefix}:group:${group}`)).toEqual([shardOf(group)])
        used.add(shardOf(group))
      }
      for (const channel of NAMED) {
        expect(await serversHolding(prefix + channel)).toEqual([shardOf(channel)])
        expect(await inspectors[shardOf(channel)]!.zcard(prefix + channel)).toBe(1)
      }
      for (const channel of ghosts) {
        // A process-local channel's message goes to its process's queue, on that queue's shard.
        const routing = nonLocalName(channel)
        expect(await serversHolding(prefix + routing)).toEqual([shardOf(routing)])
      }
      expect(used.size).toBe(SHARDS)
      const keysPerServer = await Promise.all(inspectors.map((client) => client.keys(`${prefix}*`)))
      expect(keysPerServer.every((keys) => keys.length > 0)).toBe(true)

      // flush() empties every shard.
      await a.flush()
      const left = await Promise.all(inspectors.map((client) => client.keys(`${prefix}*`)))
      expect(left.flat()).toEqual([])
    })
  })

  describe('where the subscriptions are (RedisPubSubChannelLayer)', () => {
    it('subscribes each group and named channel on the shard its name hashes to, and its own pattern on all', async () => {
      const { a, b, prefix } = twoProcesses('pubsub')
      const member = await b.newChannel()
      for (const group of GROUPS) await b.groupAdd(group, member)
      const pending = NAMED.map((channel) => next(a, channel))
      for (const group of GROUPS) {
        const name = `${prefix}__group__${group}`
        await waitFor(async () => (await serversSubscribed(name)).length > 0, `the subscription to ${name}`)
        expect(await serversSubscribed(name)).toEqual([shardOf(name)])
      }
      for (const channel of NAMED) {
        await waitFor(
          async () => (await serversSubscribed(channel)).length > 0,
          `the subscription to ${channel}`,
        )
        expect(await serversSubscribed(channel)).toEqual([shardOf(channel)])
      }
      const groupShards = new Set(GROUPS.map((group) => shardOf(`${prefix}__group__${group}`)))
      expect(groupShards.size).toBeGreaterThan(1)
      // Each process's channels are covered by one pattern, subscribed on every shard.
      const patterns = await Promise.all(inspectors.map((client) => client.pubsub('NUMPAT')))
      expect(patterns.every((count) => Number(count) >= 2)).toBe(true)
      // The subscriptions found above are the ones that deliver.
      for (const channel of NAMED) await b.send(channel, { type: 'wake' })
      for (const received of pending) expect(await received).toEqual({ type: 'wake' })
    })
  })

  describe('expiry with several hosts (RedisChannelLayer)', () => {
    it('trims expired messages on the shard of the queue, frees capacity, and never delivers them', async () => {
      const expiry = 1
      const { a, b, prefix } = twoProcesses('core', { expiry, capacity: 2 })
      // A queue and a group on different shards: channels_redis trims such a queue on the group's shard.
      const direct = 'specific.ghost0!inbox'
      const grouped = 'specific.ghost4!inbox'
      const group = GROUPS.find((name) => shardOf(name) !== shardOf(nonLocalName(grouped)))!
      const named = NAMED[0]!
      await a.groupAdd(group, grouped)
      expect(shardOf(group)).not.toBe(shardOf(nonLocalName(grouped)))

      const t0 = Date.now()
      await a.send(direct, { type: 'old' })
      await a.groupSend(group, { type: 'old' })
      await a.send(named, { type: 'old' })
      await sleep(500)
      await a.send(direct, { type: 'newer' })
      await a.groupSend(group, { type: 'newer' })
      await a.send(named, { type: 'newer' })
      // At capacity now: the oldest message has not expired yet.
      await expect(a.send(direct, { type: 'refused' })).rejects.toBeInstanceOf(ChannelFull)
      await sleep(t0 + expiry * 1000 + 200 - Date.now())

      // The first messages have expired, the queues have not (each write renews them).
      await a.send(direct, { type: 'newest' })
      await a.groupSend(group, { type: 'newest' })
      for (const channel of [direct, grouped]) {
        const key = prefix + nonLocalName(channel)
        expect(await serversHolding(key)).toEqual([shardOf(nonLocalName(channel))])
        const scores = (await inspectors[shardOf(nonLocalName(channel))]!.zrange(key, 0, -1, 'WITHSCORES'))
          .filter((_, i) => i % 2 === 1)
          .map(Number)
        expect(scores).toHaveLength(2)
        expect(Math.min(...scores)).toBeGreaterThan((t0 + 400) / 1000)
      }
      // A receiver arriving now gets the message that is still fresh, not the expired one before it.
      expect(await next(b, named)).toEqual({ type: 'newer' })

      // With no more writes, Redis expires the queues themselves on every shard.
      await sleep(expiry * 1000 + 300)
      const left = await Promise.all(inspectors.map((client) => client.keys(`${prefix}specific.*`)))
      expect(left.flat()).toEqual([])
    })
  })

  describe.skipIf(pythonSkip !== undefined)('with Python channels_redis on the same three hosts', () => {
    const peerArgs = (prefix: string): string[] => [
      '--layer',
      'core',
      '--hosts',
      hosts.join(','),
      '--prefix',
      prefix,
    ]

    it('a Python group_send reaches every tschannels member in both processes once', async () => {
      const { a, b, prefix } = twoProcesses('core')
      const group = GROUPS[0]!
      const members: { layer: ChannelLayer; channel: string }[] = []
      for (const [layer, channelPrefix] of [
        [a, 'chat'],
        [a, 'feed'],
        [b, 'chat'],
        [b, 'game'],
      ] as const) {
        const channel = await layer.newChannel(channelPrefix)
        await layer.groupAdd(group, channel)
        members.push({ layer, channel })
      }
      const messages = [
        { type: 'chat', n: 1 },
        { type: 'chat', n: 2 },
      ]
      const peer = startPeer([
        'group-send',
        ...peerArgs(prefix),
        '--group',
        group,
        '--messages',
        JSON.stringify(messages),
      ])
      expect(await peer.next()).toEqual({ done: true })
      await Promise.all(
        members.map(async ({ layer, channel }) => {
          for (const message of messages) expect(await next(layer, channel)).toEqual(message)
          await expectNothingMore(layer, channel)
        }),
      )
    })

    it('a tschannels groupSend reaches Python members and tschannels members', async () => {
      const { a, b, prefix } = twoProcesses('core')
      const group = GROUPS[8]!
      const peers = range(2).map(() =>
        startPeer(['receive-group', ...peerArgs(prefix), '--group', group, '--expect', '2']),
      )
      for (const peer of peers) expect((await peer.next()).ready).toBeTypeOf('string')
      const mine = await b.newChannel('chat')
      await b.groupAdd(group, mine)
      await a.groupSend(group, { type: 'chat', n: 1 })
      await a.groupSend(group, { type: 'chat', n: 2 })
      for (const peer of peers) {
        expect((await peer.next()).message).toEqual({ type: 'chat', n: 1 })
        expect((await peer.next()).message).toEqual({ type: 'chat', n: 2 })
      }
      expect(await next(b, mine)).toEqual({ type: 'chat', n: 1 })
      expect(await next(b, mine)).toEqual({ type: 'chat', n: 2 })
    })

    it('a tschannels send to a process-local channel lands on the shard its receiver reads, unlike channels_redis', async () => {
      const { a, prefix } = twoProcesses('core')
      // A channel of no running process, whose full name and routing part hash to different shards.
      const channel = range(20)
        .map((i) => `specific.ghost${i}!inbox`)
        .find((name) => shardOf(name) !== shardOf(nonLocalName(name)))!
      const key = prefix + nonLocalName(channel)
      const python = startPeer([
        'send',
        ...peerArgs(prefix),
        '--channel',
        channel,
        '--messages',
        '[{"type": "python"}]',
      ])
      expect(await python.next()).toEqual({ done: true })
      // channels_redis hashes the whole name, so its message is where no receiver looks ...
      expect(await serversHolding(key)).toEqual([shardOf(channel)])
      await a.send(channel, { type: 'tschannels' })
      // ... while tschannels writes to the shard of the routing part, where channels_redis receives.
      expect(await serversHolding(key)).toEqual(
        [shardOf(channel), shardOf(nonLocalName(channel))].sort((p, q) => p - q),
      )
      expect(await inspectors[shardOf(nonLocalName(channel))]!.zcard(key)).toBe(1)

      // And so a Python consumer does get what tschannels sends it, whichever shards its name hashes to.
      let receiver: ReturnType<typeof startPeer> | undefined
      let target = ''
      for (let attempt = 0; attempt < 8 && receiver === undefined; attempt++) {
        const peer = startPeer(['receive-new', ...peerArgs(prefix), '--expect', '2'])
        const name = (await peer.next()).ready!
        if (shardOf(name) !== shardOf(nonLocalName(name))) [receiver, target] = [peer, name]
        else peer.process.kill('SIGKILL')
      }
      expect(receiver).toBeDefined()
      await a.send(target, { type: 'chat', n: 1 })
      await a.send(target, { type: 'chat', n: 2 })
      expect((await receiver!.next()).message).toEqual({ type: 'chat', n: 1 })
      expect((await receiver!.next()).message).toEqual({ type: 'chat', n: 2 })
    })

    it('what channels_redis sends to the shard of the full name still reaches the tschannels channel', async () => {
      const { a, prefix } = twoProcesses('core')
      let channel = await a.newChannel()
      for (let i = 0; i < 50 && shardOf(channel) === shardOf(nonLocalName(channel)); i++) {
        await a.discardChannel(channel)
        channel = await a.newChannel()
      }
      expect(shardOf(channel)).not.toBe(shardOf(nonLocalName(channel)))
      const messages = [
        { type: 'chat', n: 1 },
        { type: 'chat', n: 2 },
      ]
      const peer = startPeer([
        'send',
        ...peerArgs(prefix),
        '--channel',
        channel,
        '--messages',
        JSON.stringify(messages),
      ])
      expect(await peer.next()).toEqual({ done: true })
      for (const message of messages) expect(await next(a, channel)).toEqual(message)
    })
  })
})

if (skipReason !== undefined)
  describe.skip(`Redis layers over three shards (skipped: ${skipReason})`, () => {})
