/**
 * Group history, recovery and presence on the Redis layers, beyond the
 * conformance suite: a Redis restart in the middle of a stream, a member
 * rejoining while messages flow (1,000 times), two processes sharing a
 * group, and a process killed with SIGKILL leaving presence.
 */

import { spawn } from 'node:child_process'
import { once } from 'node:events'

import { describe, expect, it, onTestFinished } from 'vitest'

import type { ChannelLayer } from '../../../src/layers/channel-layer.js'
import type { StreamPosition } from '../../../src/layers/history.js'
import { RedisChannelLayer, RedisPubSubChannelLayer } from '../../../src/layers/redis/index.js'
import { Subscriptions } from '../../../src/layers/redis/pubsub-subscriptions.js'
import { RedisHistory } from '../../../src/layers/redis/redis-history.js'
import type { RedisLayerCommonOptions } from '../../../src/layers/redis/index.js'
import type { LayerMessage } from '../../../src/types.js'
import { PrivateRedis, redisServerSkipReason, waitFor } from './redis-server.js'
import { REDIS_URL, closeAfterTest, redisSkipReason, uniquePrefix } from './redis-service.js'

const sharedSkip = await redisSkipReason()
const privateSkip = redisServerSkipReason()

type Kind = 'core' | 'pubsub'
const KINDS: Kind[] = ['core', 'pubsub']

function newLayer(kind: Kind, options: RedisLayerCommonOptions): RedisChannelLayer | RedisPubSubChannelLayer {
  return kind === 'core' ? new RedisChannelLayer(options) : new RedisPubSubChannelLayer(options)
}

const receiveWithin = (layer: ChannelLayer, channel: string, ms = 10_000): Promise<LayerMessage> =>
  layer.receive(channel, { signal: AbortSignal.timeout(ms) })

function positionOf(message: LayerMessage): StreamPosition & { group: string } {
  return message.__position as StreamPosition & { group: string }
}

describe.skipIf(sharedSkip !== undefined)('group history on Redis', () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      it('a member that rejoins while messages flow gets each one exactly once, in order (1,000 rejoins)', async () => {
        const prefix = uniquePrefix()
        const history = { 'race.*': { size: 50_000, ttl: 60 } }
        // Two layers stand for two processes: one sends without pause, the other keeps reconnecting.
        const sender = newLayer(kind, { hosts: [REDIS_URL], prefix, history })
        const member = newLayer(kind, { hosts: [REDIS_URL], prefix, history, capacity: 10_000 })
        closeAfterTest(sender, member)
        const group = `race.${prefix}`
        const first = await member.newChannel()
        const position = { ...(await member.groupAdd(group, first)) }
        await member.discardChannel(first)
        let stop = false
        let sent = 0
        const sending = (async () => {
          while (!stop && sent < 40_000) {
            await sender.groupSend(group, { type: 'race.message' })
            sent++
          }
        })()
        let recoveredTotal = 0
        try {
          for (let round = 0; round < 1000; round++) {
            const channel = await member.newChannel()
            const join = await member.groupAdd(group, channel, { since: position })
            expect(join.recovered).toBe(true)
            recoveredTotal += join.offset - position.offset
            // Read what was missed and at least one live message, then drop the connection.
            for (;;) {
              const { epoch, offset } = positionOf(await receiveWithin(member, channel))
              expect(epoch).toBe(position.epoch)
              expect(offset).toBe(position.offset + 1)
              position.offset = offset
              if (offset > join.offset) break
            }
            await member.discardChannel(channel)
          }
        } finally {
          stop = true
          await sending
        }
        expect(position.offset).toBeGreaterThan(1000)
        expect(recoveredTotal).toBeGreaterThan(0)
      }, 60_000)

      it('two processes share a group: each member gets the other process’s messages with one sequence of offsets', async () => {
        const prefix = uniquePrefix()
        const history = { 'room.*': { size: 100, ttl: 60 } }
        const here = newLayer(kind, { hosts: [REDIS_URL], prefix, history })
        const there = newLayer(kind, { hosts: [REDIS_URL], prefix, history })
        closeAfterTest(here, there)
        const group = `room.${prefix}`
        const [mine, theirs] = [await here.newChannel(), await there.newChannel()]
        const joined = await here.groupAdd(group, mine)
        expect(await there.groupAdd(group, theirs)).toEqual(joined)
        await here.groupSend(group, { type: 'chat.message', from: 'here' })
        await there.groupSend(group, { type: 'chat.message', from: 'there' })
        for (const [layer, channel] of [
          [here, mine],
          [there, theirs],
        ] as const) {
          const got = [await receiveWithin(layer, channel), await receiveWithin(layer, channel)]
          expect(got.map((message) => [message.from, positionOf(message).offset])).toEqual([
            ['here', 1],
            ['there', 2],
          ])
        }
        // A third process rejoins from offset 1 and finds the other's message in the history.
        const late = newLayer(kind, { hosts: [REDIS_URL], prefix, history })
        closeAfterTest(late)
        const channel = await late.newChannel()
        expect(await late.groupAdd(group, channel, { since: { epoch: joined.epoch, offset: 1 } })).toEqual({
          recovered: true,
          epoch: joined.epoch,
          offset: 2,
        })
        expect(await receiveWithin(late, channel)).toMatchObject({ from: 'there' })
      })
    })
  }
})

describe.skipIf(privateSkip !== undefined)('group history and presence across a Redis restart', () => {
  for (const kind of KINDS) {
    it(`${kind}: the epoch changes, nothing is delivered twice, and presence is rebuilt`, async () => {
      const redis = await PrivateRedis.start()
      onTestFinished(() => redis.kill())
      const options = { hosts: [redis.url], prefix: 'hist', history: { 'room.*': { size: 100, ttl: 60 } } }
      const here = newLayer(kind, options)
      const there = newLayer(kind, options)
      onTestFinished(async () => {
        await here.close()
        await there.close()
      })
      const channel = await here.newChannel()
      // The sender's own channel tells when the sender is back too.
      const senderChannel = await there.newChannel()
      const before = await here.groupAdd('room.a', channel)
      await here.presence.join('room.a', channel, { user: 'ada' })
      expect(await receiveWithin(here, channel)).toMatchObject({ type: 'presence.join' })
      for (let n = 1; n <= 3; n++) await there.groupSend('room.a', { type: 'chat.message', n })
      const seen: number[] = []
      for (let n = 1; n <= 3; n++) seen.push(positionOf(await receiveWithin(here, channel)).offset)

      await redis.kill()
      await redis.start()
      // Both processes are back once each has its reconnect event.
      for (;;) if ((await receiveWithin(here, channel)).type === 'layer.reconnected') break
      expect(await receiveWithin(there, senderChannel)).toEqual({ type: 'layer.reconnected' })
      await waitFor(
        async () => (await here.presence.list('room.a').catch(() => [])).length === 1,
        'presence rebuilt',
      )
      expect(await here.presence.list('room.a')).toEqual([{ channel, info: { user: 'ada' } }])

      const after = await here.groupAdd('room.a', channel, { since: { epoch: before.epoch, offset: 3 } })
      expect(after.recovered).toBe(false)
      expect(after.epoch).not.toBe(before.epoch)
      await there.groupSend('room.a', { type: 'chat.message', n: 4 })
      const next = await receiveWithin(here, channel)
      expect(positionOf(next)).toEqual({ group: 'room.a', epoch: after.epoch, offset: 1 })
      seen.push(positionOf(next).offset)
      expect(seen).toEqual([1, 2, 3, 1])
    }, 30_000)
  }
})

describe.skipIf(sharedSkip !== undefined)('presence of a process killed with SIGKILL', () => {
  for (const kind of KINDS) {
    it(`${kind}: its entry disappears within the TTL and the group is told`, async () => {
      const prefix = uniquePrefix()
      const group = `room.${prefix}`
      const ttl = 0.6
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'test/layers/redis/fixtures/presence-holder.ts',
          kind,
          REDIS_URL,
          prefix,
          group,
          String(ttl),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      )
      onTestFinished(() => void child.kill('SIGKILL'))
      const [line] = (await once(child.stdout, 'data')) as [Buffer]
      const dead = line.toString().trim()
      const watcher = newLayer(kind, { hosts: [REDIS_URL], prefix, presenceTtl: ttl })
      closeAfterTest(watcher)
      const channel = await watcher.newChannel()
      await watcher.groupAdd(group, channel)
      await watcher.presence.join(group, channel, { user: 'watcher' })
      expect((await watcher.presence.list(group)).map((entry) => entry.channel).sort()).toEqual(
        [channel, dead].sort(),
      )
      const killedAt = performance.now()
      child.kill('SIGKILL')
      await once(child, 'exit')
      for (;;) {
        const event = await receiveWithin(watcher, channel, 5_000)
        if (event.type === 'presence.leave') {
          expect(event).toMatchObject({ group, channel: dead })
          break
        }
      }
      // Within the TTL, plus the heartbeat that notices it (a third of the TTL) and some slack.
      expect(performance.now() - killedAt).toBeLessThan(ttl * 1000 * 2 + 1000)
      expect((await watcher.presence.list(group)).map((entry) => entry.channel)).toEqual([channel])
    }, 20_000)
  }
})

describe.skipIf(sharedSkip !== undefined)(
  'two members of one process joining a pub/sub group at once',
  () => {
    it('the second reads the history only once the first member’s subscription is in force', async () => {
      const layer = new RedisPubSubChannelLayer({
        hosts: [REDIS_URL],
        prefix: uniquePrefix('join-race'),
        history: { 'room.*': { size: 10, ttl: 60 } },
      })
      closeAfterTest(layer)
      const group = 'room.race'
      const [a, b] = [await layer.newChannel(), await layer.newChannel()]
      // Hold the first member's SUBSCRIBE until the test lets it through, and note every history read.
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to its own instances below
      const subscribe = Subscriptions.prototype.subscribe
      Subscriptions.prototype.subscribe = async function (this: Subscriptions, ...args) {
        await gate
        return subscribe.apply(this, args)
      }
      onTestFinished(() => void (Subscriptions.prototype.subscribe = subscribe))
      const reads: string[] = []
      // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to its own instances below
      const read = RedisHistory.prototype.read
      RedisHistory.prototype.read = function (this: RedisHistory, ...args) {
        reads.push(args[0])
        return read.apply(this, args)
      }
      onTestFinished(() => void (RedisHistory.prototype.read = read))

      const first = layer.groupAdd(group, a)
      const second = layer.groupAdd(group, b, { since: { epoch: 'unknown', offset: 0 } })
      // Without waiting, the second member's read is a few promise turns away.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
      expect(reads).toEqual([])
      release()
      await Promise.all([first, second])
      expect(reads).toEqual([group, group])
    })
  },
)
