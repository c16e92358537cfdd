import { describe, expect, it } from 'vitest'

import { InMemorySessionStore } from '../../src/sessions/memory-store.js'
import { Session } from '../../src/sessions/session.js'

const future = (): Date => new Date(Date.now() + 60_000)

describe('Session', () => {
  describe('#cycleKey', () => {
    it('moves the data to a new key at the next save and deletes the old key', async () => {
      const store = new InMemorySessionStore({ sweepIntervalMs: 0 })
      const key = await store.save(null, { cart: [1] }, future())
      const session = await Session.load(store, key)
      await session.cycleKey()
      await session.save()
      expect(session.sessionKey).not.toBe(key)
      expect(await store.load(key)).toBeNull()
      expect(await store.load(session.sessionKey!)).toEqual({ cart: [1] })
    })
  })

  describe('#save', () => {
    it('queues concurrent saves from one connection', async () => {
      const store = new InMemorySessionStore({ sweepIntervalMs: 0 })
      const session = await Session.load(store, null)
      session.set('n', 1)
      await Promise.all([session.save(), session.save(), session.save()])
      expect(await store.load(session.sessionKey!)).toEqual({ n: 1 })
    })
  })

  it('keeps the values of sessions that started empty apart, after a set, a clear and a flush', async () => {
    const store = new InMemorySessionStore({ sweepIntervalMs: 0 })
    const a = new Session(store, null)
    const b = new Session(store, null)
    a.set('theme', 'dark')
    expect(b.get('theme')).toBeUndefined()
    expect(b.isEmpty).toBe(true)
    expect(b.delete('theme')).toBe(false)
    a.clear()
    b.set('lang', 'fr')
    expect(a.get('lang')).toBeUndefined()
    await b.flush()
    a.set('theme', 'light')
    expect(b.keys()).toEqual([])
    expect(a.keys()).toEqual(['theme'])
    await store.close()
  })

  it('tracks modified and accessed', async () => {
    const session = await Session.load(new InMemorySessionStore({ sweepIntervalMs: 0 }), null)
    expect(session.modified).toBe(false)
    expect(session.get('x')).toBeUndefined()
    expect(session.accessed).toBe(true)
    session.set('x', 1)
    expect(session.modified).toBe(true)
    expect(session.has('x')).toBe(true)
    expect(session.delete('x')).toBe(true)
    expect(session.isEmpty).toBe(true)
  })
})
