/**
 * The conformance cases of group history, recovery and presence, part of
 * `runLayerSuite`: every layer (memory, Redis core, Redis pub/sub) runs them.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import { describe, expect } from 'vitest'

import { ReceiveCancelled } from '../../src/errors.js'
import type { ChannelLayer, ChannelLayerOptions } from '../../src/layers/channel-layer.js'
import type { GroupJoin } from '../../src/layers/history.js'
import type { LayerMessage } from '../../src/types.js'

/** What the history cases need from the suite. */
export interface HistoryCaseContext {
  test: (title: string, fn: () => Promise<void>) => void
  open: (options?: ChannelLayerOptions) => Promise<ChannelLayer>
  openTimed: (
    options: ChannelLayerOptions,
  ) => Promise<{ layer: ChannelLayer; elapse: (ms: number) => Promise<void> }>
}

const QUIET_MS = 150
const HISTORY = { 'room.*': { size: 3, ttl: 60 } } as const

/** Registers the history, recovery and presence cases. */
export function historyCases({ test, open, openTimed }: HistoryCaseContext): void {
  describe('history, recovery and presence', () => {
    test('a group with history numbers its messages from 1 in one epoch, carried as __position', async () => {
      const layer = await open({ history: HISTORY })
      const group = unique('room')
      const channel = await layer.newChannel()
      const join = await layer.groupAdd(group, channel)
      expect(join.recovered).toBe(false)
      expect(join.offset).toBe(0)
      expect(join.epoch).toMatch(/^[\w-]+$/)
      for (let n = 1; n <= 3; n++) await layer.groupSend(group, { type: 'test.message', n })
      for (let n = 1; n <= 3; n++) {
        expect(await layer.receive(channel)).toEqual({
          type: 'test.message',
          n,
          __position: { group, epoch: join.epoch, offset: n },
        })
      }
      expect(layer.extensions).toEqual(expect.arrayContaining(['history', 'presence']))
    })

    test('a group without history answers recovered: false with no epoch, and its messages carry no position', async () => {
      const layer = await open({ history: HISTORY })
      const group = unique('plain')
      const channel = await layer.newChannel()
      expect(await layer.groupAdd(group, channel, { since: { epoch: 'x', offset: 1 } })).toEqual({
        recovered: false,
        epoch: '',
        offset: 0,
      })
      await layer.groupSend(group, { type: 'test.message' })
      expect(await layer.receive(channel)).toEqual({ type: 'test.message' })
    })

    test('rejoining with since puts the missed messages first, in order, then the live ones', async () => {
      const layer = await open({ history: { 'room.*': { size: 10, ttl: 60 } } })
      const group = unique('room')
      const channel = await layer.newChannel()
      const { epoch } = await layer.groupAdd(group, channel)
      await layer.groupSend(group, { type: 'test.message', n: 1 })
      expect(offsetOf(await layer.receive(channel))).toBe(1)
      await layer.groupDiscard(group, channel)
      for (let n = 2; n <= 4; n++) await layer.groupSend(group, { type: 'test.message', n })
      const join = await layer.groupAdd(group, channel, { since: { epoch, offset: 1 } })
      expect(join).toEqual({ recovered: true, epoch, offset: 4 })
      await layer.groupSend(group, { type: 'test.message', n: 5 })
      const offsets: number[] = []
      for (let n = 2; n <= 5; n++) {
        const message = await layer.receive(channel)
        expect(message.n).toBe(n)
        offsets.push(offsetOf(message))
      }
      expect(offsets).toEqual([2, 3, 4, 5])
      await expectNothing(layer, channel)
    })

    test('a position of another epoch, ahead of the group or older than the history keeps is not recovered', async () => {
      const layer = await open({ history: HISTORY })
      const group = unique('room')
      const channel = await layer.newChannel()
      const { epoch } = await layer.groupAdd(group, channel)
      await layer.groupDiscard(group, channel)
      for (let n = 1; n <= 5; n++) await layer.groupSend(group, { type: 'test.message', n })
      const refused: GroupJoin = { recovered: false, epoch, offset: 5 }
      // Size 3 keeps offsets 3 to 5: recovering from 1 would skip 2.
      expect(await layer.groupAdd(group, channel, { since: { epoch, offset: 1 } })).toEqual(refused)
      expect(await layer.groupAdd(group, channel, { since: { epoch: 'another', offset: 4 } })).toEqual(
        refused,
      )
      expect(await layer.groupAdd(group, channel, { since: { epoch, offset: 9 } })).toEqual(refused)
      const malformed = { epoch, offset: -1 } as const
      expect(await layer.groupAdd(group, channel, { since: malformed })).toEqual(refused)
      await expectNothing(layer, channel)
      expect(await layer.groupAdd(group, channel, { since: { epoch, offset: 2 } })).toEqual({
        ...refused,
        recovered: true,
      })
      for (let n = 3; n <= 5; n++) expect((await layer.receive(channel)).n).toBe(n)
    })

    test('a history silent for its ttl is lost: the epoch changes and old positions are not recovered', async () => {
      const { layer, elapse } = await openTimed({ history: { 'room.*': { size: 10, ttl: 0.3 } } })
      const group = unique('room')
      const channel = await layer.newChannel()
      const { epoch } = await layer.groupAdd(group, channel)
      await layer.groupSend(group, { type: 'test.message' })
      await layer.receive(channel)
      await elapse(450)
      const join = await layer.groupAdd(group, channel, { since: { epoch, offset: 1 } })
      expect(join.recovered).toBe(false)
      expect(join.epoch).not.toBe(epoch)
      expect(join.offset).toBe(0)
    })

    test('presence lists joined channels and tells the group of each join and leave', async () => {
      const layer = await open()
      const presence = layer.presence!
      const group = unique('room')
      const [watcher, ada] = [await layer.newChannel(), await layer.newChannel()]
      await layer.groupAdd(group, watcher)
      await presence.join(group, ada, { user: 'ada' })
      expect(await layer.receive(watcher)).toEqual({
        type: 'presence.join',
        group,
        channel: ada,
        info: { user: 'ada' },
      })
      expect(await presence.list(group)).toEqual([{ channel: ada, info: { user: 'ada' } }])
      await presence.leave(group, ada)
      expect(await layer.receive(watcher)).toEqual({
        type: 'presence.leave',
        group,
        channel: ada,
        info: { user: 'ada' },
      })
      expect(await presence.list(group)).toEqual([])
      await presence.leave(group, ada)
      await expectNothing(layer, watcher)
    })

    test('a discarded channel leaves presence, and its group is told', async () => {
      const layer = await open({ history: HISTORY })
      const presence = layer.presence!
      const group = unique('room')
      const [watcher, gone] = [await layer.newChannel(), await layer.newChannel()]
      await layer.groupAdd(group, watcher)
      await presence.join(group, gone, { user: 'bob' })
      await layer.receive(watcher)
      await layer.discardChannel(gone)
      // Presence events are not history: they carry no position.
      expect(await layer.receive(watcher)).toEqual({
        type: 'presence.leave',
        group,
        channel: gone,
        info: { user: 'bob' },
      })
      expect(await presence.list(group)).toEqual([])
    })
  })
}

function offsetOf(message: LayerMessage): number {
  return (message.__position as { offset: number }).offset
}

function unique(base: string): string {
  return `${base}.${randomUUID().slice(0, 8)}`
}

async function expectNothing(layer: ChannelLayer, channel: string): Promise<void> {
  const outcome = await layer.receive(channel, { signal: AbortSignal.timeout(QUIET_MS) }).then(
    (message: LayerMessage) => message,
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(ReceiveCancelled)
}
