import { randomUUID } from 'node:crypto'

import { describe, expect, it, onTestFinished } from 'vitest'

import type { ChannelLayer } from '../../src/layers/channel-layer.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../src/layers/redis/index.js'
import type { LayerMessage } from '../../src/types.js'
import { REDIS_URL, redisSkipReason, uniquePrefix } from '../layers/redis/redis-service.js'
import { pythonSkipReason, startPeer, toPeerJson } from './python-peer.js'

const skipReason = (await redisSkipReason()) ?? pythonSkipReason()

/** What the Python side sends and expects: text, unicode, numbers, nesting and bytes. */
const MESSAGES: LayerMessage[] = [
  { type: 'chat.message', text: 'héllo ✓', n: 1 },
  {
    type: 'chat.message',
    nested: { list: [1, 'two', null, true], ratio: 0.25 },
    data: new Uint8Array([0, 1, 254, 255]),
  },
]

const VARIANTS = [
  { layer: 'core', keys: undefined },
  { layer: 'core', keys: { node: ['k-new', 'k-old'], python: 'k-old,k-new' } },
  { layer: 'pubsub', keys: undefined },
  { layer: 'pubsub', keys: { node: ['k-new', 'k-old'], python: 'k-old,k-new' } },
] as const

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * channels_redis 4.0's pub/sub layer sends SUBSCRIBE without waiting for Redis to confirm it, so
 * its "ready" can come before the subscription exists; give it a moment before publishing.
 */
const pythonSubscribed = (layer: string): Promise<void> => sleep(layer === 'pubsub' ? 200 : 0)

describe.skipIf(skipReason !== undefined)('interop with Python channels_redis 4.0', () => {
  for (const variant of VARIANTS) {
    const title = `${variant.layer} layer${variant.keys ? ' with encryption keys' : ''}`

    describe(title, () => {
      const setup = (history = {}): { layer: ChannelLayer; peerArgs: string[]; prefix: string } => {
        const prefix = uniquePrefix('interop')
        const options = {
          hosts: [REDIS_URL],
          prefix,
          symmetricEncryptionKeys: variant.keys?.node ?? [],
          history,
        }
        const layer =
          variant.layer === 'core' ? new RedisChannelLayer(options) : new RedisPubSubChannelLayer(options)
        onTestFinished(async () => {
          await layer.flush().catch(() => undefined)
          await layer.close()
        })
        const peerArgs = ['--layer', variant.layer, '--hosts', REDIS_URL, '--prefix', prefix]
        if (variant.keys) peerArgs.push('--keys', variant.keys.python)
        return { layer, peerArgs, prefix }
      }

      it('a Python group_send reaches every tschannels member of the group', async () => {
        const { layer, peerArgs } = setup()
        const group = `room.${randomUUID().slice(0, 8)}`
        const members = await Promise.all([layer.newChannel(), layer.newChannel(), layer.newChannel()])
        for (const channel of members) await layer.groupAdd(group, channel)
        const peer = startPeer([
          'group-send',
          ...peerArgs,
          '--group',
          group,
          '--messages',
          JSON.stringify(MESSAGES.map(toPeerJson)),
        ])
        expect(await peer.next()).toEqual({ done: true })
        for (const channel of members) {
          for (const message of MESSAGES)
            expect(await layer.receive(channel, { signal: AbortSignal.timeout(5000) })).toEqual(message)
        }
      })

      it('a tschannels groupSend reaches a Python consumer in the group', async () => {
        const { layer, peerArgs } = setup()
        const group = `room.${randomUUID().slice(0, 8)}`
        const peer = startPeer([
          'receive-group',
          ...peerArgs,
          '--group',
          group,
          '--expect',
          String(MESSAGES.length),
        ])
        expect((await peer.next()).ready).toBeTypeOf('string')
        await pythonSubscribed(variant.layer)
        for (const message of MESSAGES) await layer.groupSend(group, message)
        for (const message of MESSAGES) expect((await peer.next()).message).toEqual(toPeerJson(message))
      })

      it('a groupSend to a group with history reaches a Python consumer, __position and all', async () => {
        const { layer, peerArgs } = setup({ 'room.*': { size: 10, ttl: 60 } })
        const group = `room.${randomUUID().slice(0, 8)}`
        const peer = startPeer(['receive-group', ...peerArgs, '--group', group, '--expect', '2'])
        expect((await peer.next()).ready).toBeTypeOf('string')
        await pythonSubscribed(variant.layer)
        for (const message of MESSAGES) await layer.groupSend(group, message)
        for (const [index, message] of MESSAGES.entries()) {
          const received = (await peer.next()).message as Record<string, unknown>
          const { __position: position, ...rest } = received
          expect(rest).toEqual(toPeerJson(message))
          expect(position).toMatchObject({ group, offset: index + 1 })
        }
      })

      it('a Python send reaches a tschannels channel from newChannel()', async () => {
        const { layer, peerArgs } = setup()
        const channel = await layer.newChannel()
        const peer = startPeer([
          'send',
          ...peerArgs,
          '--channel',
          channel,
          '--messages',
          JSON.stringify(MESSAGES.map(toPeerJson)),
        ])
        expect(await peer.next()).toEqual({ done: true })
        for (const message of MESSAGES)
          expect(await layer.receive(channel, { signal: AbortSignal.timeout(5000) })).toEqual(message)
      })

      it('a Python send reaches a named channel tschannels receives on', async () => {
        const { layer, peerArgs } = setup()
        const channel = `jobs.${randomUUID().slice(0, 8)}`
        const received = layer.receive(channel, { signal: AbortSignal.timeout(8000) })
        // Pub/sub only delivers to subscribers: let the subscription reach Redis first.
        await sleep(100)
        const peer = startPeer([
          'send',
          ...peerArgs,
          '--channel',
          channel,
          '--messages',
          JSON.stringify([toPeerJson(MESSAGES[1])]),
        ])
        expect(await peer.next()).toEqual({ done: true })
        expect(await received).toEqual(MESSAGES[1])
      })

      it('a tschannels send reaches a Python channel from new_channel()', async () => {
        const { layer, peerArgs } = setup()
        const peer = startPeer(['receive-new', ...peerArgs, '--expect', String(MESSAGES.length)])
        const channel = (await peer.next()).ready!
        await pythonSubscribed(variant.layer)
        for (const message of MESSAGES) await layer.send(channel, message)
        for (const message of MESSAGES) expect((await peer.next()).message).toEqual(toPeerJson(message))
      })

      it('a tschannels send reaches a named channel a Python consumer receives on', async () => {
        const { layer, peerArgs } = setup()
        const channel = `jobs.${randomUUID().slice(0, 8)}`
        const peer = startPeer(['receive-named', ...peerArgs, '--channel', channel, '--expect', '1'])
        expect((await peer.next()).ready).toBe(channel)
        await pythonSubscribed(variant.layer)
        await layer.send(channel, MESSAGES[0]!)
        expect((await peer.next()).message).toEqual(toPeerJson(MESSAGES[0]))
      })
    })
  }
})

if (skipReason !== undefined)
  describe.skip(`interop with Python channels_redis (skipped: ${skipReason})`, () => {})
