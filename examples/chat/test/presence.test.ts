import { describe, expect, it, onTestFinished } from 'vitest'

import { MemoryPresence } from '../presence/memory-presence.js'
import { RedisPresence } from '../presence/redis-presence.js'
import type { Presence } from '../presence/presence.js'
import { findRedis, requireService, uniqueName } from '../../../test/services.js'

const redisUrl = await requireService(findRedis)

/** The behaviour both implementations share. */
function presenceSuite(name: string, make: () => Presence[], skip = false): void {
  describe.skipIf(skip)(name, () => {
    it('reports the first join and the last leave of a user, and sorted members', async () => {
      const [one, two] = make()
      const room = uniqueName('room')
      expect(await one!.join(room, 'zed')).toEqual({ first: true, members: ['zed'] })
      expect(await two!.join(room, 'amy')).toEqual({ first: true, members: ['amy', 'zed'] })
      expect(await two!.join(room, 'zed')).toEqual({ first: false, members: ['amy', 'zed'] })
      expect(await one!.join(room, 'zed')).toEqual({ first: false, members: ['amy', 'zed'] })
      expect(await one!.leave(room, 'zed')).toBe(false)
      expect(await one!.leave(room, 'zed')).toBe(false)
      expect(await two!.leave(room, 'zed')).toBe(true)
      expect(await two!.leave(room, 'amy')).toBe(true)
      expect(await two!.leave(room, 'amy')).toBe(false)
    })
  })
}

const memory = new MemoryPresence()
presenceSuite('MemoryPresence', () => [memory, memory])

presenceSuite(
  'RedisPresence',
  () => {
    const prefix = `${uniqueName('chat-test')}:`
    const one = new RedisPresence({ url: redisUrl!, prefix })
    const two = new RedisPresence({ url: redisUrl!, prefix })
    onTestFinished(() => Promise.all([one.close(), two.close()]).then(() => undefined))
    return [one, two]
  },
  redisUrl === undefined,
)

describe.skipIf(redisUrl === undefined)('RedisPresence after a process dies', () => {
  it('expires the dead process entries and reports its users as vanished to a live one', async () => {
    const prefix = `${uniqueName('chat-test')}:`
    const room = uniqueName('room')
    const live = new RedisPresence({ url: redisUrl!, prefix, ttlMs: 400, heartbeatMs: 100 })
    const dead = new RedisPresence({ url: redisUrl!, prefix, ttlMs: 400, heartbeatMs: 100 })
    onTestFinished(() => live.close())
    const vanished: string[] = []
    live.onVanished((where, username) => vanished.push(`${where}/${username}`))
    await live.join(room, 'alice')
    await dead.join(room, 'bob')
    // Closing without leaving is what a crash looks like from Redis: the heartbeats stop.
    await dead.close()
    for (let i = 0; i < 50 && vanished.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100))
    expect(vanished).toEqual([`${room}/bob`])
    expect((await live.join(room, 'carol')).members).toEqual(['alice', 'carol'])
  })
})
