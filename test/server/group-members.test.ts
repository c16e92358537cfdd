import { describe, expect, it } from 'vitest'

import { GroupMembers } from '../../src/metrics/layer-instrument.js'

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
