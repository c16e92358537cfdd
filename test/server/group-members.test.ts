import { describe, expect, it } from 'vitest'

import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { GroupMembers, instrumentLayer } from '../../src/metrics/layer-instrument.js'
import type { LayerMeasures } from '../../src/metrics/layer-instrument.js'

describe('GroupMembers (the status page’s groups)', () => {
  it('counts members per group, a channel in several groups included, and forgets discarded channels', () => {
    const members = new GroupMembers()
    members.add('lobby', 'a')
    members.add('lobby', 'b')
    members.add('lobby', 'b')
    members.add('news', 'b')
    members.add('news', 'c')
    expect(members.counts()).toEqual(
      new Map([
        ['lobby', 2],
        ['news', 2],
      ]),
    )
    expect(members.membershipCount).toBe(4)
    members.removeChannel('b')
    expect(members.counts()).toEqual(
      new Map([
        ['lobby', 1],
        ['news', 1],
      ]),
    )
    members.remove('lobby', 'a')
    members.remove('news', 'c')
    expect(members.groupCount).toBe(0)
    members.removeChannel('a')
    expect(members.membershipCount).toBe(0)
  })
})

describe('instrumentLayer (the measured layer of serve({ metrics }))', () => {
  const measures = (): LayerMeasures & { calls: string[] } => {
    const calls: string[] = []
    return {
      calls,
      call: (method, _seconds, outcome) => calls.push(`${method}:${outcome}`),
      received() {},
      members: new GroupMembers(),
    }
  }

  it('passes groupAdd’s since through and answers its GroupJoin, so recovery works with metrics on', async () => {
    const layer = new InMemoryChannelLayer({ history: { 'room.*': { size: 10, ttl: 60 } } })
    const seen = measures()
    const measured = instrumentLayer(layer, seen)
    const channel = await measured.newChannel()
    const { epoch } = await measured.groupAdd('room.a', channel)
    await measured.groupSend('room.a', { type: 'chat.message', n: 1 })
    await measured.receive(channel)
    await measured.groupDiscard('room.a', channel)
    await measured.groupSend('room.a', { type: 'chat.message', n: 2 })
    const join = await measured.groupAdd('room.a', channel, { since: { epoch, offset: 1 } })
    expect(join).toEqual({ recovered: true, epoch, offset: 2 })
    expect((await measured.receive(channel)).n).toBe(2)
    expect(seen.members.counts()).toEqual(new Map([['room.a', 1]]))
    expect(seen.calls).toContain('groupAdd:ok')
    expect(measured.presence).toBe(layer.presence)
    await layer.close()
  })
})

describe('instrumentLayer group members', () => {
  it('shows only channels this process made, so another process’s channel is never kept', async () => {
    const layer = new InMemoryChannelLayer()
    const members = new GroupMembers()
    const measured = instrumentLayer(layer, { call() {}, received() {}, members })
    const mine = await measured.newChannel()
    // A channel another process made, added here (a worker answering an HTTP call), never discarded here.
    await measured.groupAdd('room', 'specific.other-process!abc')
    await measured.groupAdd('room', mine)
    expect(members.counts()).toEqual(new Map([['room', 1]]))
    await measured.discardChannel(mine)
    expect(members.groupCount).toBe(0)
    await layer.close()
  })
})
