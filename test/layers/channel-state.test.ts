import { describe, expect, it } from 'vitest'

import { MessageQueue } from '../../src/layers/channel-state.js'

describe('MessageQueue', () => {
  it('keeps queues apart that start without a buffer of their own, through growth and clear', () => {
    const a = new MessageQueue()
    const b = new MessageQueue()
    expect(b.peekExpiry()).toBe(Infinity)
    for (let i = 0; i < 9; i++) a.push({ type: 'm', n: i }, 100 + i)
    expect(a.length).toBe(9)
    expect(b.length).toBe(0)
    expect(b.peekExpiry()).toBe(Infinity)
    expect(a.shift()).toEqual({ type: 'm', n: 0 })
    expect(a.dropExpired(104)).toBe(4)
    expect(a.shift()).toEqual({ type: 'm', n: 5 })
    a.clear()
    expect(a.length).toBe(0)
    b.push({ type: 'm', n: 'b' }, 1)
    a.push({ type: 'm', n: 'a' }, 2)
    expect(b.shift()).toEqual({ type: 'm', n: 'b' })
    expect(a.shift()).toEqual({ type: 'm', n: 'a' })
    expect(a.peekExpiry()).toBe(Infinity)
  })
})
