/**
 * The core layer writes the direct sends of one tick to a shard as one
 * script call (`SEND_MANY` in scripts.ts). Each send keeps what it would
 * have had alone: its own channel, its place in the order, and its own
 * capacity check, made after the sends before it in the same call.
 */

import { describe, expect, it } from 'vitest'

import { ChannelFull } from '../../../src/errors.js'
import { RedisChannelLayer } from '../../../src/layers/redis/index.js'
import { REDIS_URL, closeAfterTest, inspector, redisSkipReason, uniquePrefix } from './redis-service.js'

const skipReason = await redisSkipReason()

/**
 * The script calls (EVALSHA or EVAL) Redis runs on keys under `prefix`
 * while `work` runs, as MONITOR reports them: each call as its arguments.
 */
async function scriptCallsDuring(prefix: string, work: () => Promise<void>): Promise<string[][]> {
  const monitor = await inspector().monitor()
  const calls: string[][] = []
  const marker = `${prefix}-monitor-done`
  const seenMarker = new Promise<void>((resolve) => {
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) resolve()
      const script = args[0]?.toLowerCase()
      if ((script === 'evalsha' || script === 'eval') && args.some((arg) => arg.startsWith(prefix)))
        calls.push(args)
    })
  })
  try {
    await work()
    // MONITOR reports commands in the order Redis ran them: once it shows this one, it showed the work's.
    const client = inspector()
    await client.echo(marker)
    await client.quit()
    await seenMarker
  } finally {
    monitor.disconnect()
  }
  return calls
}

describe.skipIf(skipReason !== undefined)('the core layer sending a tick at once', () => {
  it('delivers each send of one tick on its channel, in order, in one script call', async () => {
    const prefix = uniquePrefix('sendbatch')
    const sender = new RedisChannelLayer({ hosts: [REDIS_URL], prefix })
    const receiver = new RedisChannelLayer({ hosts: [REDIS_URL], prefix, capacity: 1_000 })
    closeAfterTest(sender, receiver)
    const channels = [await receiver.newChannel(), await receiver.newChannel('other'), 'named-channel']
    // Connected first, so the sends below share one tick.
    await sender.send(channels[0]!, { type: 'warm-up' })
    expect(await receiver.receive(channels[0]!)).toEqual({ type: 'warm-up' })

    const calls = await scriptCallsDuring(prefix, async () => {
      const sends: Promise<void>[] = []
      for (let n = 0; n < 30; n++) sends.push(sender.send(channels[n % 3]!, { type: 'batch.item', n }))
      await Promise.all(sends)
    })

    // One call (SHA, key count, 30 keys, expiry, 4 arguments per send), not thirty.
    expect(calls).toHaveLength(1)
    expect(calls[0]!.slice(2, 3)).toEqual(['30'])
    for (let n = 0; n < 30; n++) {
      expect(await receiver.receive(channels[n % 3]!, { signal: AbortSignal.timeout(10_000) })).toEqual({
        type: 'batch.item',
        n,
      })
    }
  })

  it('checks capacity send by send within one call: the sends past it fail, the others arrive', async () => {
    const prefix = uniquePrefix('sendbatchfull')
    // A sender checks the capacity it is configured with: 3 here.
    const sender = new RedisChannelLayer({ hosts: [REDIS_URL], prefix, capacity: 3 })
    const receiver = new RedisChannelLayer({ hosts: [REDIS_URL], prefix })
    closeAfterTest(sender, receiver)
    const crowded = 'crowded-channel'
    // Connected first, so the sends below share one tick.
    await sender.send(crowded, { type: 'warm-up' })
    expect(await receiver.receive(crowded)).toEqual({ type: 'warm-up' })

    const outcomes = await Promise.allSettled(
      [0, 1, 2, 3, 4].map((n) => sender.send(crowded, { type: 'crowded', n })),
    )
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ])
    for (const outcome of outcomes.slice(3)) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ChannelFull)
    }
    for (let n = 0; n < 3; n++) {
      expect(await receiver.receive(crowded, { signal: AbortSignal.timeout(10_000) })).toEqual({
        type: 'crowded',
        n,
      })
    }
  })
})
