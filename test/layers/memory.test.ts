import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'

import { ChannelFull, ImproperlyConfigured, InvalidMessageType, ReceiveCancelled } from '../../src/errors.js'
import { InMemoryChannelLayer, type InMemoryChannelLayerOptions } from '../../src/layers/memory.js'
import type { LayerMessage } from '../../src/types.js'
import { runLayerSuite } from './layer-suite.js'

runLayerSuite('InMemoryChannelLayer', {
  newLayer: (options) => new InMemoryChannelLayer(options),
  clock: true,
})

function open(options?: InMemoryChannelLayerOptions): InMemoryChannelLayer {
  const layer = new InMemoryChannelLayer(options)
  onTestFinished(() => layer.close())
  return layer
}

afterEach(() => {
  vi.useRealTimers()
})

describe('InMemoryChannelLayer', () => {
  describe('constructor', () => {
    it.each([
      [{ capacity: 0 }, 'capacity'],
      [{ capacity: 1.5 }, 'capacity'],
      [{ expiry: -1 }, 'expiry'],
      [{ expiry: Number.NaN }, 'expiry'],
      [{ groupExpiry: 0 }, 'groupExpiry'],
      [{ channelCapacity: { 'a.*': -2 } }, 'channelCapacity'],
      [{ channelCapacity: [[42, 1]] }, 'channelCapacity'],
      [{ capacty: 5 }, 'capacty'],
    ])('rejects %o with ImproperlyConfigured naming the option', (options, option) => {
      const build = () => new InMemoryChannelLayer(options as InMemoryChannelLayerOptions)
      expect(build).toThrow(ImproperlyConfigured)
      expect(build).toThrow(option)
    })

    it('accepts Infinity as an unbounded capacity', async () => {
      const layer = open({ capacity: Infinity })
      for (let n = 0; n < 1000; n++) await layer.send('unbounded', { type: 'test.fill', n })
      expect(await layer.receive('unbounded')).toEqual({ type: 'test.fill', n: 0 })
    })

    it('has the groups and flush extensions', () => {
      expect(open().extensions).toEqual(['groups', 'flush', 'history', 'presence'])
    })
  })

  describe('#send', () => {
    it('states the capacity and what to do in the ChannelFull message', async () => {
      const layer = open({ capacity: 2 })
      await layer.send('full', { type: 'test.fill' })
      await layer.send('full', { type: 'test.fill' })
      await expect(layer.send('full', { type: 'test.fill' })).rejects.toThrow(
        /Channel 'full' is full: it already holds 2 messages.*raise `capacity`/,
      )
    })

    it('rejects a message that is not an object with a string type', async () => {
      const layer = open()
      await expect(layer.send('c', 'hello' as unknown as LayerMessage)).rejects.toBeInstanceOf(
        InvalidMessageType,
      )
      await expect(layer.send('c', {} as LayerMessage)).rejects.toBeInstanceOf(InvalidMessageType)
      await expect(layer.groupSend('g', null as unknown as LayerMessage)).rejects.toBeInstanceOf(
        InvalidMessageType,
      )
    })

    it('delivers the object it was given, without copying', async () => {
      const layer = open()
      const message = { type: 'test.same', payload: { n: 1 } }
      await layer.send('same', message)
      expect(await layer.receive('same')).toBe(message)
    })

    it('hands a message to a waiting receiver without counting it against capacity', async () => {
      const layer = open({ capacity: 1 })
      const pending = layer.receive('direct')
      await layer.send('direct', { type: 'test.one' })
      await layer.send('direct', { type: 'test.two' })
      expect(await pending).toEqual({ type: 'test.one' })
      await expect(layer.send('direct', { type: 'test.three' })).rejects.toBeInstanceOf(ChannelFull)
    })

    it('keeps FIFO order through a queue that grows and wraps around', async () => {
      const layer = open({ capacity: 1000 })
      let sent = 0
      let received = 0
      for (let round = 1; round <= 5; round++) {
        for (let n = 0; n < 37 * round; n++) await layer.send('ring', { type: 'test.n', n: sent++ })
        for (let n = 0; n < 30 * round; n++) expect((await layer.receive('ring')).n).toBe(received++)
      }
      while (received < sent) expect((await layer.receive('ring')).n).toBe(received++)
    })
  })

  describe('#receive', () => {
    it('cancels every pending receive that shares one signal, and only those', async () => {
      const layer = open()
      const controller = new AbortController()
      // One signal used for many receives in a row, as a consumer's channel loop does.
      for (let i = 0; i < 20; i++) {
        const next = layer.receive('loop', { signal: controller.signal })
        await layer.send('loop', { type: 'tick', i })
        expect(await next).toEqual({ type: 'tick', i })
      }
      const first = layer.receive('one', { signal: controller.signal })
      const second = layer.receive('two', { signal: controller.signal })
      const unrelated = layer.receive('three')
      controller.abort(new Error('stop'))
      await expect(first).rejects.toBeInstanceOf(ReceiveCancelled)
      await expect(second).rejects.toMatchObject({ cause: new Error('stop') })
      await layer.send('three', { type: 'still.here' })
      expect(await unrelated).toEqual({ type: 'still.here' })
    })

    it('does not lose a message delivered just before the signal aborts', async () => {
      const layer = open()
      const controller = new AbortController()
      const pending = layer.receive('race', { signal: controller.signal })
      await layer.send('race', { type: 'test.kept' })
      controller.abort()
      expect(await pending).toEqual({ type: 'test.kept' })
    })

    it('gives the abort reason as the cause of ReceiveCancelled', async () => {
      const layer = open()
      const controller = new AbortController()
      const pending = layer.receive('why', { signal: controller.signal })
      const reason = new Error('shutting down')
      controller.abort(reason)
      const error = await pending.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ReceiveCancelled)
      expect((error as ReceiveCancelled).cause).toBe(reason)
    })

    it('serves several waiters in the order they started', async () => {
      const layer = open()
      const pending = [layer.receive('many'), layer.receive('many'), layer.receive('many')]
      for (let n = 0; n < 3; n++) await layer.send('many', { type: 'test.n', n })
      expect((await Promise.all(pending)).map((m) => m.n)).toEqual([0, 1, 2])
    })

    it('skips an aborted waiter and serves the next one', async () => {
      const layer = open()
      const controller = new AbortController()
      const aborted = layer.receive('mixed', { signal: controller.signal })
      const kept = layer.receive('mixed')
      controller.abort()
      await layer.send('mixed', { type: 'test.kept' })
      await expect(aborted).rejects.toBeInstanceOf(ReceiveCancelled)
      expect(await kept).toEqual({ type: 'test.kept' })
    })
  })

  describe('expiry', () => {
    it('takes a channel holding an expired message out of its groups, as Channels does', async () => {
      let now = 0
      const layer = open({ expiry: 0.1, clock: () => now })
      await layer.groupAdd('room', 'idle')
      await layer.groupAdd('other', 'idle')
      await layer.send('idle', { type: 'test.stale' })
      now += 200
      await layer.groupSend('room', { type: 'test.one' })
      await layer.groupSend('other', { type: 'test.two' })
      await expect(layer.receive('idle', { signal: AbortSignal.timeout(50) })).rejects.toBeInstanceOf(
        ReceiveCancelled,
      )
    })

    it('leaves a channel whose messages are fresh in its groups', async () => {
      const layer = open({ expiry: 10 })
      await layer.groupAdd('room', 'busy')
      await layer.send('busy', { type: 'test.first' })
      await layer.groupSend('room', { type: 'test.second' })
      expect(await layer.receive('busy')).toEqual({ type: 'test.first' })
      expect(await layer.receive('busy')).toEqual({ type: 'test.second' })
    })
  })

  describe('#groupSend', () => {
    it('delivers the same object to every member', async () => {
      const layer = open()
      await layer.groupAdd('room', 'a')
      await layer.groupAdd('room', 'b')
      const message = { type: 'test.shared' }
      await layer.groupSend('room', message)
      expect(await layer.receive('a')).toBe(message)
      expect(await layer.receive('b')).toBe(message)
    })
  })

  describe('#newChannel', () => {
    it('returns prefix.inmemory!random with 12 random characters', async () => {
      expect(await open().newChannel()).toMatch(/^specific\.inmemory![A-Za-z0-9_-]{12}$/)
    })

    it('rejects a prefix that makes an invalid name', async () => {
      await expect(open().newChannel('bad prefix')).rejects.toThrow(/channel name/)
    })
  })

  describe('sweeping', () => {
    it('runs while the layer holds something, and stops once expiry has emptied it', async () => {
      vi.useFakeTimers()
      let now = 0
      const layer = open({ expiry: 1, groupExpiry: 2, clock: () => now })
      expect(vi.getTimerCount()).toBe(0)
      await layer.groupAdd('room', 'member')
      await layer.send('member', { type: 'test.stale' })
      expect(vi.getTimerCount()).toBe(1)
      now += 2_500
      // The sweep runs every second here (the shortest expiry): stale message, idle channel and
      // expired membership go, and with nothing left the timer stops.
      vi.advanceTimersByTime(1_000)
      expect(vi.getTimerCount()).toBe(0)
      await layer.groupSend('room', { type: 'test.late' })
      await layer.send('member', { type: 'test.fresh' })
      expect(await layer.receive('member')).toEqual({ type: 'test.fresh' })
    })

    it('rejects a clock that is not a function', () => {
      expect(() => new InMemoryChannelLayer({ clock: 5 as unknown as () => number })).toThrow(
        ImproperlyConfigured,
      )
    })
  })
})
