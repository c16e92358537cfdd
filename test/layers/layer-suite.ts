/**
 * The conformance suite every channel layer runs: send/receive, groups,
 * capacity, expiry, naming, cancellation and flush. A layer's test file calls
 * `runLayerSuite` once; a layer that cannot meet a test skips it by title,
 * with the reason.
 *
 * Expiry tests move the layer's clock when it takes one (`clock: true`);
 * for a layer whose clock is a Redis server they wait for real, a few
 * hundred ms.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'

import { describe, expect, it, onTestFinished } from 'vitest'

import {
  ChannelFull,
  InvalidChannelName,
  InvalidGroupName,
  LayerClosed,
  ReceiveCancelled,
} from '../../src/errors.js'
import type { ChannelLayer, ChannelLayerOptions } from '../../src/layers/channel-layer.js'
import type { LayerMessage } from '../../src/types.js'
import { historyCases } from './history-suite.js'

/** How a layer's test file runs the suite. */
export interface LayerSuiteOptions {
  /** Builds a fresh layer for one test; each test closes its own. */
  newLayer: (options?: SuiteLayerOptions) => Promise<ChannelLayer> | ChannelLayer
  /**
   * Titles of tests to skip. Prefer the object form, title → reason; the
   * reason is shown in the skipped test's name. A title that matches no test
   * fails the run, so a renamed test cannot silently stay skipped.
   */
  skip?: readonly string[] | Readonly<Record<string, string>>
  /**
   * Whether `newLayer` passes `options.clock` to the layer; then the expiry
   * tests move that clock instead of waiting.
   */
  clock?: boolean
}

/** The options a layer is built with in the suite: the common ones, and a clock when it takes one. */
export type SuiteLayerOptions = ChannelLayerOptions & { clock?: () => number }

/** How long a "receives nothing" check waits. */
const QUIET_MS = 150

/**
 * Registers the conformance tests for one layer under `describe(name)`.
 *
 * @example
 * ```ts
 * runLayerSuite('InMemoryChannelLayer', { newLayer: (options) => new InMemoryChannelLayer(options) })
 * ```
 */
export function runLayerSuite(name: string, options: LayerSuiteOptions): void {
  const reasons = new Map<string, string>(
    Array.isArray(options.skip)
      ? options.skip.map((title: string) => [title, 'skipped by the layer'])
      : Object.entries(options.skip ?? {}),
  )
  const used = new Set<string>()
  const test = (title: string, fn: () => Promise<void>): void => {
    const reason = reasons.get(title)
    if (reason === undefined) return void it(title, fn)
    used.add(title)
    it.skip(`${title} (skipped: ${reason})`, fn)
  }
  const open = async (layerOptions?: ChannelLayerOptions): Promise<ChannelLayer> => {
    const layer = await options.newLayer(layerOptions)
    onTestFinished(() => layer.close())
    return layer
  }
  /** A layer, and how its time passes: its clock moved by hand, or real waiting. */
  const openTimed = async (
    layerOptions: ChannelLayerOptions,
  ): Promise<{ layer: ChannelLayer; elapse: (ms: number) => Promise<void> }> => {
    if (options.clock !== true) return { layer: await open(layerOptions), elapse: sleep }
    let now = 1_000
    const layer = await options.newLayer({ ...layerOptions, clock: () => now })
    onTestFinished(() => layer.close())
    return { layer, elapse: async (ms) => void (now += ms) }
  }

  describe(`${name} (channel layer conformance)`, () => {
    describe('#send and #receive', () => {
      test('delivers the messages of one channel in the order they were sent', async () => {
        const layer = await open()
        const channel = unique('fifo')
        for (let n = 0; n < 5; n++) await layer.send(channel, { type: 'test.message', n })
        for (let n = 0; n < 5; n++) expect(await layer.receive(channel)).toEqual({ type: 'test.message', n })
      })

      test('a receive waits for a message sent later', async () => {
        const layer = await open()
        const channel = unique('later')
        const received = layer.receive(channel)
        // No wait for a subscription: a layer must deliver a send that follows a receive in its process.
        await nextTurn()
        await layer.send(channel, { type: 'test.later' })
        expect(await received).toEqual({ type: 'test.later' })
      })

      test('receivers waiting on one channel each get a distinct message, first come first served', async () => {
        const layer = await open()
        const channel = unique('waiters')
        const first = layer.receive(channel)
        await nextTurn()
        const second = layer.receive(channel)
        await nextTurn()
        await layer.send(channel, { type: 'test.message', n: 1 })
        await layer.send(channel, { type: 'test.message', n: 2 })
        expect(await first).toEqual({ type: 'test.message', n: 1 })
        expect(await second).toEqual({ type: 'test.message', n: 2 })
      })

      test('messages with nested objects, arrays and bytes arrive intact', async () => {
        const layer = await open()
        const channel = unique('payload')
        const message = {
          type: 'test.payload',
          text: 'héllo ✓',
          count: 42,
          ratio: 0.5,
          flag: false,
          nothing: null,
          list: [1, 'two', { three: 3 }],
          nested: { deeper: { deepest: ['x'] } },
          bytes: new Uint8Array([0, 1, 254, 255]),
        }
        await layer.send(channel, message)
        const received = await layer.receive(channel)
        const { bytes, ...rest } = received
        const { bytes: _sent, ...expected } = message
        expect(rest).toEqual(expected)
        expect(bytes).toBeInstanceOf(Uint8Array)
        expect(Array.from(bytes as Uint8Array)).toEqual([0, 1, 254, 255])
      })
    })

    describe('#newChannel', () => {
      test('returns unique, valid, process-local names', async () => {
        const layer = await open()
        const names = await Promise.all(Array.from({ length: 50 }, () => layer.newChannel()))
        expect(new Set(names).size).toBe(50)
        for (const channel of names) expect(channel).toMatch(/^specific\.[A-Za-z0-9_.-]+![A-Za-z0-9_.-]+$/)
      })

      test('starts the name with the given prefix', async () => {
        const layer = await open()
        expect(await layer.newChannel('worker')).toMatch(/^worker\.[A-Za-z0-9_.-]+![A-Za-z0-9_.-]+$/)
      })

      test('a process-local channel carries messages and joins groups like any other', async () => {
        const layer = await open()
        const channel = await layer.newChannel()
        const group = unique('local')
        await layer.send(channel, { type: 'test.direct' })
        await layer.groupAdd(group, channel)
        await layer.groupSend(group, { type: 'test.group' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.direct' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.group' })
      })
    })

    describe('groups', () => {
      test('groupSend delivers to every member', async () => {
        const layer = await open()
        const group = unique('room')
        const members = [await layer.newChannel(), await layer.newChannel(), await layer.newChannel()]
        for (const channel of members) await layer.groupAdd(group, channel)
        await layer.groupSend(group, { type: 'chat.message', text: 'hi' })
        for (const channel of members)
          expect(await layer.receive(channel)).toEqual({ type: 'chat.message', text: 'hi' })
      })

      test('groupSend to a group with no members does nothing', async () => {
        const layer = await open()
        await expect(layer.groupSend(unique('empty'), { type: 'test.nobody' })).resolves.toBeUndefined()
      })

      test('groupDiscard removes one member and leaves the others', async () => {
        const layer = await open()
        const group = unique('room')
        const [stays, leaves] = [await layer.newChannel(), await layer.newChannel()]
        await layer.groupAdd(group, stays)
        await layer.groupAdd(group, leaves)
        await layer.groupDiscard(group, leaves)
        await layer.groupSend(group, { type: 'test.after' })
        expect(await layer.receive(stays)).toEqual({ type: 'test.after' })
        await expectNothing(layer, leaves)
      })

      test('groupDiscard of a channel that is not a member does nothing', async () => {
        const layer = await open()
        await expect(layer.groupDiscard(unique('room'), await layer.newChannel())).resolves.toBeUndefined()
      })

      test('a channel in two groups receives from both', async () => {
        const layer = await open()
        const channel = await layer.newChannel()
        const [a, b] = [unique('a'), unique('b')]
        await layer.groupAdd(a, channel)
        await layer.groupAdd(b, channel)
        await layer.groupSend(a, { type: 'test.from', group: 'a' })
        await layer.groupSend(b, { type: 'test.from', group: 'b' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.from', group: 'a' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.from', group: 'b' })
      })

      test('adding a channel to a group twice keeps one membership', async () => {
        const layer = await open()
        const [group, channel] = [unique('room'), await layer.newChannel()]
        await layer.groupAdd(group, channel)
        await layer.groupAdd(group, channel)
        await layer.groupSend(group, { type: 'test.once' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.once' })
        await expectNothing(layer, channel)
      })
    })

    describe('capacity', () => {
      test('send throws ChannelFull naming the channel once it holds capacity messages', async () => {
        const layer = await open({ capacity: 3 })
        const channel = unique('full')
        for (let n = 0; n < 3; n++) await layer.send(channel, { type: 'test.fill', n })
        const error = await layer.send(channel, { type: 'test.fill', n: 3 }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(ChannelFull)
        expect((error as ChannelFull).message).toContain(channel)
      })

      test('groupSend skips a full member without throwing', async () => {
        const layer = await open({ capacity: 3 })
        const [group, full, free] = [unique('room'), await layer.newChannel(), await layer.newChannel()]
        for (let n = 0; n < 3; n++) await layer.send(full, { type: 'test.fill', n })
        await layer.groupAdd(group, full)
        await layer.groupAdd(group, free)
        for (let n = 0; n < 5; n++) await layer.groupSend(group, { type: 'test.broadcast', n })
        for (let n = 0; n < 3; n++) expect(await layer.receive(full)).toEqual({ type: 'test.fill', n })
        await expectNothing(layer, full)
        for (let n = 0; n < 3; n++) expect(await layer.receive(free)).toEqual({ type: 'test.broadcast', n })
      })

      test('a receive makes room for another send', async () => {
        const layer = await open({ capacity: 1 })
        const channel = unique('room')
        await layer.send(channel, { type: 'test.one' })
        await expect(layer.send(channel, { type: 'test.two' })).rejects.toBeInstanceOf(ChannelFull)
        await layer.receive(channel)
        await layer.send(channel, { type: 'test.two' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.two' })
      })

      test('channelCapacity glob patterns override the capacity of matching channels', async () => {
        const layer = await open({ capacity: 5, channelCapacity: { 'tiny.*': 1, 'roomy.*': 2 } })
        const tiny = unique('tiny')
        const other = unique('other')
        await layer.send(tiny, { type: 'test.fill' })
        await expect(layer.send(tiny, { type: 'test.fill' })).rejects.toBeInstanceOf(ChannelFull)
        for (let n = 0; n < 5; n++) await layer.send(other, { type: 'test.fill', n })
        await expect(layer.send(other, { type: 'test.fill' })).rejects.toBeInstanceOf(ChannelFull)
      })

      test('channelCapacity takes [RegExp, capacity] pairs and the first match wins', async () => {
        const layer = await open({
          capacity: 5,
          channelCapacity: [
            [/^first\./, 1],
            ['first.*', 3],
          ],
        })
        const channel = unique('first')
        await layer.send(channel, { type: 'test.fill' })
        await expect(layer.send(channel, { type: 'test.fill' })).rejects.toBeInstanceOf(ChannelFull)
      })
    })

    describe('expiry', () => {
      test('a message older than expiry is never delivered', async () => {
        const { layer, elapse } = await openTimed({ expiry: 0.2 })
        const channel = unique('stale')
        await layer.send(channel, { type: 'test.stale' })
        await elapse(400)
        await expectNothing(layer, channel)
        await layer.send(channel, { type: 'test.fresh' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.fresh' })
      })

      test('an expired message no longer counts against capacity', async () => {
        const { layer, elapse } = await openTimed({ expiry: 0.2, capacity: 1 })
        const channel = unique('stale')
        await layer.send(channel, { type: 'test.stale' })
        await elapse(400)
        await layer.send(channel, { type: 'test.fresh' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.fresh' })
      })

      test('a group membership older than groupExpiry ends', async () => {
        const { layer, elapse } = await openTimed({ groupExpiry: 0.2 })
        const [group, channel] = [unique('room'), await layer.newChannel()]
        await layer.groupAdd(group, channel)
        await elapse(400)
        await layer.groupSend(group, { type: 'test.late' })
        await expectNothing(layer, channel)
      })

      test('groupAdd renews a membership', async () => {
        // Generous margins: the first membership is 700 ms old (expired), the renewed one 350 ms (alive).
        const { layer, elapse } = await openTimed({ groupExpiry: 0.6 })
        const [group, channel] = [unique('room'), await layer.newChannel()]
        await layer.groupAdd(group, channel)
        await elapse(350)
        await layer.groupAdd(group, channel)
        await elapse(350)
        await layer.groupSend(group, { type: 'test.renewed' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.renewed' })
      })
    })

    describe('names', () => {
      const badChannels: Array<[string, unknown]> = [
        ['100 characters', 'a'.repeat(100)],
        ['non-ASCII', 'café'],
        ['empty', ''],
        ['a space', 'two words'],
        ['not a string', 42],
      ]
      const badGroups: Array<[string, unknown]> = [...badChannels, ['a "!"', 'group!local']]

      test('every method rejects an invalid channel name with InvalidChannelName stating the rule', async () => {
        const layer = await open()
        const group = unique('room')
        for (const [what, bad] of badChannels) {
          const channel = bad as string
          const calls = [
            layer.send(channel, { type: 'test.bad' }),
            layer.receive(channel),
            layer.groupAdd(group, channel),
            layer.groupDiscard(group, channel),
            layer.discardChannel(channel),
          ]
          for (const call of calls) {
            const error = await call.catch((e: unknown) => e)
            expect(error, what).toBeInstanceOf(InvalidChannelName)
            expect((error as Error).message, what).toMatch(
              /ASCII letters, digits, hyphens, underscores or periods/,
            )
          }
        }
      })

      test('every group method rejects an invalid group name with InvalidGroupName stating the rule', async () => {
        const layer = await open()
        const channel = await layer.newChannel()
        for (const [what, bad] of badGroups) {
          const group = bad as string
          const calls = [
            layer.groupAdd(group, channel),
            layer.groupDiscard(group, channel),
            layer.groupSend(group, { type: 'test.bad' }),
          ]
          for (const call of calls) {
            const error = await call.catch((e: unknown) => e)
            expect(error, what).toBeInstanceOf(InvalidGroupName)
            expect((error as Error).message, what).toMatch(
              /ASCII letters, digits, hyphens, underscores or periods/,
            )
          }
        }
      })

      test('accepts names of 99 characters', async () => {
        const layer = await open()
        const channel = `c${randomUUID().replaceAll('-', '')}`.padEnd(99, 'x')
        const group = `g${randomUUID().replaceAll('-', '')}`.padEnd(99, 'x')
        await layer.groupAdd(group, channel)
        await layer.groupSend(group, { type: 'test.long' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.long' })
      })
    })

    describe('#discardChannel', () => {
      test('cancels a pending receive with ReceiveCancelled', async () => {
        const layer = await open()
        const channel = await layer.newChannel()
        const pending = layer.receive(channel)
        await nextTurn()
        await layer.discardChannel(channel)
        await expect(pending).rejects.toBeInstanceOf(ReceiveCancelled)
      })

      test('removes the channel from every group', async () => {
        const layer = await open()
        const [a, b, channel] = [unique('a'), unique('b'), await layer.newChannel()]
        await layer.groupAdd(a, channel)
        await layer.groupAdd(b, channel)
        await layer.discardChannel(channel)
        await layer.groupSend(a, { type: 'test.after' })
        await layer.groupSend(b, { type: 'test.after' })
        await expectNothing(layer, channel)
      })

      test('drops the messages queued on the channel', async () => {
        const layer = await open()
        const channel = await layer.newChannel()
        await layer.send(channel, { type: 'test.dropped' })
        await layer.discardChannel(channel)
        await expectNothing(layer, channel)
      })
    })

    describe('cancellation', () => {
      test('aborting the signal rejects the pending receive with ReceiveCancelled', async () => {
        const layer = await open()
        const channel = unique('abort')
        const controller = new AbortController()
        const pending = layer.receive(channel, { signal: controller.signal })
        await nextTurn()
        controller.abort()
        await expect(pending).rejects.toBeInstanceOf(ReceiveCancelled)
      })

      test('a receive with an already aborted signal rejects with ReceiveCancelled', async () => {
        const layer = await open()
        await expect(layer.receive(unique('abort'), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
          ReceiveCancelled,
        )
      })

      test('a message sent after an aborted receive goes to the next receive', async () => {
        const layer = await open()
        const channel = unique('abort')
        const controller = new AbortController()
        const pending = layer.receive(channel, { signal: controller.signal })
        await nextTurn()
        controller.abort()
        await expect(pending).rejects.toBeInstanceOf(ReceiveCancelled)
        await layer.send(channel, { type: 'test.kept' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.kept' })
      })
    })

    describe('#flush and #close', () => {
      test('flush drops queued messages and group memberships', async () => {
        const layer = await open()
        const [group, channel] = [unique('room'), await layer.newChannel()]
        await layer.send(channel, { type: 'test.flushed' })
        await layer.groupAdd(group, channel)
        await layer.flush()
        await layer.groupSend(group, { type: 'test.after' })
        await expectNothing(layer, channel)
        await layer.send(channel, { type: 'test.works' })
        expect(await layer.receive(channel)).toEqual({ type: 'test.works' })
      })

      test('flush cancels pending receives', async () => {
        const layer = await open()
        const pending = layer.receive(await layer.newChannel())
        await nextTurn()
        await layer.flush()
        await expect(pending).rejects.toBeInstanceOf(ReceiveCancelled)
      })

      test('close cancels pending receives and later calls throw LayerClosed', async () => {
        const layer = await open()
        const channel = await layer.newChannel()
        const pending = layer.receive(channel)
        await nextTurn()
        await layer.close()
        await expect(pending).rejects.toBeInstanceOf(ReceiveCancelled)
        await expect(layer.send(channel, { type: 'test.late' })).rejects.toBeInstanceOf(LayerClosed)
        await expect(layer.receive(channel)).rejects.toBeInstanceOf(LayerClosed)
        await expect(layer.groupSend('room', { type: 'test.late' })).rejects.toBeInstanceOf(LayerClosed)
      })

      test('close can be called twice', async () => {
        const layer = await open()
        await layer.close()
        await expect(layer.close()).resolves.toBeUndefined()
      })
    })

    historyCases({ test, open, openTimed })

    // Runs after collection, when every title has been seen: a skip for a renamed test must not linger.
    it('skips only tests that exist', () => {
      expect([...reasons.keys()].filter((title) => !used.has(title))).toEqual([])
    })
  })
}

/** A name no other test (or test run sharing a server) uses. */
function unique(base: string): string {
  return `${base}.${randomUUID().slice(0, 8)}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Lets the work a call started run until it waits on I/O: an event-loop turn, not a time. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Asserts that `channel` yields no message within a short wait. */
async function expectNothing(layer: ChannelLayer, channel: string): Promise<void> {
  const outcome = await layer.receive(channel, { signal: AbortSignal.timeout(QUIET_MS) }).then(
    (message: LayerMessage) => message,
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(ReceiveCancelled)
}
