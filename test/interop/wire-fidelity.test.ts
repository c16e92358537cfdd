/**
 * Values that JS and Python hold differently cross the Redis layers intact:
 * a lone surrogate (legal in a JS string, never in UTF-8) leaves as U+FFFD
 * so no Python consumer fails on it; an int beyond 2**53 arrives from
 * Python as a BigInt, and a BigInt reaches Python as the same int. And the
 * documented caveat: a float with no fraction is an int once in JS.
 */

import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'

import { describe, expect, it, onTestFinished } from 'vitest'

import type { ChannelLayer } from '../../src/layers/channel-layer.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../src/layers/redis/index.js'
import { WireFormat } from '../../src/layers/redis/wire-format.js'
import { REDIS_URL, redisSkipReason, uniquePrefix } from '../layers/redis/redis-service.js'
import { PYTHON, pythonSkipReason, startPeer } from './python-peer.js'

const skipReason = (await redisSkipReason()) ?? pythonSkipReason()

/** What a browser may send: `JSON.parse` accepts a lone surrogate escape. */
const LONE_SURROGATE = JSON.parse('"before \\ud800 after"') as string

/** Python ints as JSON text, which Python reads exactly (JS's JSON.parse would round them). */
const PYTHON_BIG_INTS =
  '[{"type": "big.ints", "big": 1152921504606846977, "low": -9223372036854775808, "mid": 1099511627776}]'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(skipReason !== undefined)('wire fidelity with Python channels_redis', () => {
  for (const kind of ['core', 'pubsub'] as const) {
    describe(`${kind} layer`, () => {
      const setup = (): { layer: ChannelLayer; peerArgs: string[] } => {
        const prefix = uniquePrefix('fidelity')
        const options = { hosts: [REDIS_URL], prefix }
        const layer = kind === 'core' ? new RedisChannelLayer(options) : new RedisPubSubChannelLayer(options)
        onTestFinished(async () => {
          await layer.flush().catch(() => undefined)
          await layer.close()
        })
        return { layer, peerArgs: ['--layer', kind, '--hosts', REDIS_URL, '--prefix', prefix] }
      }

      it('a lone surrogate reaches a Python group member as U+FFFD, and the member keeps going', async () => {
        const { layer, peerArgs } = setup()
        const group = `room.${randomUUID().slice(0, 8)}`
        const peer = startPeer(['receive-group', ...peerArgs, '--group', group, '--expect', '2'])
        expect((await peer.next()).ready).toBeTypeOf('string')
        // channels_redis 4.0's pub/sub layer confirms nothing before it says ready.
        if (kind === 'pubsub') await sleep(200)
        await layer.groupSend(group, { type: 'chat.message', text: LONE_SURROGATE })
        await layer.groupSend(group, { type: 'chat.message', text: 'next' })
        expect((await peer.next()).message).toEqual({ type: 'chat.message', text: 'before \ufffd after' })
        expect((await peer.next()).message).toEqual({ type: 'chat.message', text: 'next' })
      })

      it('an int beyond 2**53 from Python arrives as a BigInt, smaller ones as numbers', async () => {
        const { layer, peerArgs } = setup()
        const channel = await layer.newChannel()
        const peer = startPeer(['send', ...peerArgs, '--channel', channel, '--messages', PYTHON_BIG_INTS])
        expect(await peer.next()).toEqual({ done: true })
        expect(await layer.receive(channel, { signal: AbortSignal.timeout(5000) })).toEqual({
          type: 'big.ints',
          big: 2n ** 60n + 1n,
          low: -(2n ** 63n),
          mid: 2 ** 40,
        })
      })

      it('a BigInt reaches a Python consumer as the same int', async () => {
        const { layer, peerArgs } = setup()
        const peer = startPeer(['receive-new', ...peerArgs, '--expect', '1'])
        const channel = (await peer.next()).ready!
        if (kind === 'pubsub') await sleep(200)
        await layer.send(channel, { type: 'big.ints', big: 2n ** 60n + 1n, small: 7n })
        expect((await peer.next()).message).toEqual({
          type: 'big.ints',
          big: { $int: '1152921504606846977' },
          small: 7,
        })
      })
    })
  }

  it('a float with no fraction reaches Python as an int (JS has one number type)', () => {
    const bytes = new WireFormat({ randomPrefixLength: 0 }).encode({ type: 't', one: 1.0, half: 0.5 })
    const result = spawnSync(
      PYTHON,
      [
        '-c',
        'import msgpack, sys; m = msgpack.unpackb(bytes.fromhex(sys.argv[1])); ' +
          'print(type(m["one"]).__name__, type(m["half"]).__name__)',
        bytes.toString('hex'),
      ],
      { encoding: 'utf8', timeout: 10_000 },
    )
    expect(result.stdout.trim()).toBe('int float')
  })
})

if (skipReason !== undefined)
  describe.skip(`wire fidelity with Python channels_redis (skipped: ${skipReason})`, () => {})
