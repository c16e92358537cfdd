import { describe, expect, it } from 'vitest'

import {
  ChannelsClient,
  ClientClosed,
  RequestTimeout,
  SendQueueFull,
  backoffDelay,
  closeAction,
  retryAfterReason,
} from 'tschannels/client'
import type { ChannelsClientOptions, ReconnectingEvent, RecoveredEvent } from 'tschannels/client'
import { ManualClock, fakeSockets } from './fake-socket.js'

/** A client on fake sockets and a manual clock, with the events it dispatched. */
function setup(options: ChannelsClientOptions = {}) {
  const sockets = fakeSockets()
  const clock = new ManualClock()
  const client = new ChannelsClient('ws://chat.test/ws/', {
    WebSocket: sockets.WebSocket,
    clock,
    random: () => 0.5,
    ...options,
  })
  const events: string[] = []
  const reconnects: ReconnectingEvent[] = []
  const recoveries: RecoveredEvent[] = []
  const messages: unknown[] = []
  for (const type of ['open', 'close', 'reconnecting', 'recovered', 'error', 'message'] as const) {
    client.addEventListener(type, () => events.push(type))
  }
  client.addEventListener('reconnecting', (event) => reconnects.push(event))
  client.addEventListener('recovered', (event) => recoveries.push(event))
  client.addEventListener('message', (event) => messages.push(event.data))
  return { client, clock, sockets, events, reconnects, recoveries, messages }
}

describe('backoffDelay', () => {
  it('draws from a window that doubles per attempt up to the cap (full jitter)', () => {
    const options = { base: 500, cap: 30_000 }
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, options, () => 0.999))).toEqual([
      499, 999, 1998, 3996,
    ])
    expect(backoffDelay(40, options, () => 0.999)).toBe(29_970)
    expect(backoffDelay(5, options, () => 0)).toBe(0)
  })
})

describe('closeAction', () => {
  it('stops on refusals a retry cannot fix and retries the rest', () => {
    for (const code of [1000, 1002, 1003, 1007, 1008, 1009, 4000, 4401, 4403, 4499]) {
      expect(closeAction(code), String(code)).toEqual({ kind: 'final' })
    }
    for (const code of [1005, 1006, 1011, 1013, 1014, 4500, 4999]) {
      expect(closeAction(code), String(code)).toEqual({ kind: 'backoff' })
    }
    expect(closeAction(1001)).toEqual({ kind: 'drain' })
    expect(closeAction(1012)).toEqual({ kind: 'drain' })
    expect(closeAction(4429, retryAfterReason('Too many messages', 12))).toEqual({
      kind: 'later',
      seconds: 12,
    })
    expect(closeAction(4429, 'Too many messages')).toEqual({ kind: 'later', seconds: undefined })
  })
})

describe('ChannelsClient', () => {
  describe('#send', () => {
    it('queues while connecting and sends in order once open, behind the resume frame', () => {
      const { client, sockets } = setup()
      expect(client.state).toBe('connecting')
      client.send({ n: 1 })
      client.send({ n: 2 })
      sockets.last().open()
      expect(client.state).toBe('open')
      expect(sockets.last().frames()).toEqual([{ type: 'resume', positions: {} }, { n: 1 }, { n: 2 }])
    })

    it('throws SendQueueFull past queueLimit and ClientClosed after close()', () => {
      const { client } = setup({ queueLimit: 2 })
      client.send(1)
      client.send(2)
      expect(() => client.send(3)).toThrow(SendQueueFull)
      client.close()
      expect(() => client.send(4)).toThrow(ClientClosed)
    })
  })

  describe('reconnect', () => {
    it('reconnects after a lost connection with a jittered, growing delay', () => {
      const { client, clock, sockets, reconnects } = setup({ backoff: { base: 1000, cap: 8000 } })
      sockets.last().drop(1006)
      expect(client.state).toBe('reconnecting')
      sockets.last().drop(1006)
      clock.advance(reconnects[0]!.delay)
      sockets.last().drop(1006)
      clock.advance(reconnects[1]!.delay)
      expect(reconnects.map((event) => [event.code, event.delay, event.attempt])).toEqual([
        [1006, 500, 1],
        [1006, 1000, 2],
      ])
      expect(sockets.made).toHaveLength(3)
    })

    it('starts the backoff over after a connection that stayed up', () => {
      const { clock, sockets, reconnects } = setup({ backoff: { base: 1000 }, heartbeat: false })
      sockets.last().drop(1011)
      clock.advance(reconnects[0]!.delay)
      sockets.last().open()
      clock.advance(60_000)
      sockets.last().drop(1011)
      expect(reconnects.map((event) => event.attempt)).toEqual([1, 1])
    })

    it('stops for good on a final code: close event, no reconnect, requests rejected', async () => {
      const { client, clock, sockets, events } = setup()
      sockets.last().open()
      const pending = client.request({ type: 'who' })
      sockets.last().drop(4401, 'Authentication required')
      await expect(pending).rejects.toBeInstanceOf(ClientClosed)
      clock.advance(120_000)
      expect(sockets.made).toHaveLength(1)
      expect(client.state).toBe('closed')
      expect(events).toEqual(['open', 'close'])
    })

    it("waits the server's retry-after on 4429 and a random part of the drain window on 1001", () => {
      const { sockets, clock, reconnects } = setup({ drainWindow: 4000 })
      sockets.last().drop(4429, retryAfterReason('Too many messages', 12))
      clock.advance(reconnects[0]!.delay)
      sockets.last().drop(1001, 'Server shutting down')
      expect(reconnects[0]!.delay).toBeGreaterThanOrEqual(12_000)
      expect(reconnects[1]!.delay).toBe(2000)
    })

    it('backs off from a server that drains every connection it gets', () => {
      const { sockets, clock, reconnects } = setup({ drainWindow: 4000 })
      for (let i = 0; i < 6; i++) {
        sockets.last().drop(1001, 'Server shutting down')
        clock.advance(reconnects[i]!.delay)
      }
      expect(reconnects[0]!.delay).toBe(2000)
      expect(reconnects[5]!.delay).toBeGreaterThan(2000)
    })

    it('closes with close() while waiting and never reconnects', () => {
      const { client, clock, sockets, events } = setup()
      sockets.last().drop(1006)
      client.close(1000, 'bye')
      clock.advance(120_000)
      expect(sockets.made).toHaveLength(1)
      expect(events).toEqual(['reconnecting', 'close'])
    })
  })

  describe('heartbeat', () => {
    it('pings after a quiet interval and replaces a connection that stays silent', () => {
      const { client, clock, sockets, reconnects } = setup({ heartbeat: { interval: 1000, timeout: 500 } })
      const first = sockets.last()
      first.open()
      clock.advance(999)
      first.receive({ type: 'pong' })
      clock.advance(999)
      expect(first.frames()).toEqual([{ type: 'resume', positions: {} }])
      clock.advance(1)
      expect(first.frames().at(-1)).toEqual({ type: 'ping' })
      clock.advance(500)
      expect(first.closedWith?.code).toBe(4000)
      expect(client.state).toBe('reconnecting')
      expect(reconnects[0]!.reason).toBe('No heartbeat')
      first.drop(4000)
      expect(reconnects).toHaveLength(1)
    })

    it('keeps a connection that answers its pings', () => {
      const { client, clock, sockets } = setup({ heartbeat: { interval: 1000, timeout: 500 } })
      sockets.last().open()
      for (let beat = 0; beat < 10; beat++) {
        clock.advance(1000)
        sockets.last().receive({ type: 'pong' })
      }
      expect(client.state).toBe('open')
      expect(sockets.made).toHaveLength(1)
    })
  })

  describe('#request', () => {
    it('resolves with the frame that carries its id as __reply, which is no message', async () => {
      const { client, sockets, messages } = setup()
      sockets.last().open()
      const reply = client.request({ type: 'room.members' })
      const sent = sockets.last().frames().at(-1) as { __request: number }
      expect(sent).toEqual({ type: 'room.members', __request: 1 })
      sockets.last().receive({ members: ['ada'], __reply: sent.__request })
      await expect(reply).resolves.toEqual({ members: ['ada'], __reply: 1 })
      expect(messages).toEqual([])
    })

    it('rejects with RequestTimeout when no reply comes in time', async () => {
      const { client, clock, sockets } = setup()
      sockets.last().open()
      const reply = client.request({ type: 'slow' }, { timeout: 300 })
      clock.advance(300)
      await expect(reply).rejects.toBeInstanceOf(RequestTimeout)
    })
  })

  describe('resume', () => {
    const at = (offset: number, epoch = 'e1') => ({
      text: `m${offset}`,
      __position: { group: 'room', epoch, offset },
    })

    it('remembers positions, drops what it already has and presents them on reconnect', () => {
      const { client, clock, sockets, messages, reconnects } = setup()
      sockets.last().open()
      for (const offset of [1, 2, 2, 1, 3]) sockets.last().receive(at(offset))
      expect(messages).toEqual([at(1), at(2), at(3)])
      expect(client.positions).toEqual({ room: { epoch: 'e1', offset: 3 } })
      sockets.last().drop(1006)
      clock.advance(reconnects[0]!.delay)
      sockets.last().open()
      expect(sockets.last().frames()[0]).toEqual({
        type: 'resume',
        positions: { room: { epoch: 'e1', offset: 3 } },
      })
    })

    it('delivers once a message that another process sent at the same moment and that arrived late', () => {
      const { client, sockets, messages } = setup()
      sockets.last().open()
      for (const offset of [1, 3, 2, 2, 3, 4]) sockets.last().receive(at(offset))
      expect(messages).toEqual([at(1), at(3), at(2), at(4)])
      expect(client.positions).toEqual({ room: { epoch: 'e1', offset: 4 } })
    })

    it("dispatches 'recovered' per group and reads on from the server's position when not recovered", () => {
      const { client, sockets, recoveries, messages } = setup({
        positions: { room: { epoch: 'e1', offset: 9 } },
      })
      sockets.last().open()
      sockets.last().receive({
        type: 'resumed',
        groups: { room: { recovered: false, epoch: 'e2', offset: 40 } },
      })
      expect(
        recoveries.map(({ group, recovered, epoch, offset }) => ({ group, recovered, epoch, offset })),
      ).toEqual([{ group: 'room', recovered: false, epoch: 'e2', offset: 40 }])
      expect(client.positions).toEqual({ room: { epoch: 'e2', offset: 40 } })
      sockets.last().receive(at(40, 'e2'))
      sockets.last().receive(at(41, 'e2'))
      expect(messages).toEqual([at(41, 'e2')])
    })
  })

  describe('a live message that overtakes the resume', () => {
    const at = (offset: number) => ({
      text: `m${offset}`,
      __position: { group: 'room', epoch: 'e1', offset },
    })

    it.each([
      ['the server does not send it again', [11, 12, 13, 14, 15]],
      ['the server sends it again with the missed ones', [11, 12, 13, 14, 15, 16]],
    ])('is held until the missed ones have come, when %s', (_, recovered) => {
      const { sockets, messages } = setup({ positions: { room: { epoch: 'e1', offset: 10 } } })
      sockets.last().open()
      // Sent live between the server's join and its handling of the resume frame.
      sockets.last().receive(at(16))
      expect(messages).toEqual([])
      sockets
        .last()
        .receive({ type: 'resumed', groups: { room: { recovered: true, epoch: 'e1', offset: 16 } } })
      for (const offset of recovered) sockets.last().receive(at(offset))
      sockets.last().receive(at(17))
      expect(messages).toEqual([11, 12, 13, 14, 15, 16, 17].map(at))
    })

    it('is delivered after resumeTimeout when the server never answers the resume', () => {
      const { sockets, clock, messages } = setup({
        positions: { room: { epoch: 'e1', offset: 10 } },
        resumeTimeout: 3000,
        heartbeat: false,
      })
      sockets.last().open()
      sockets.last().receive(at(11))
      expect(messages).toEqual([])
      clock.advance(3000)
      expect(messages).toEqual([at(11)])
      sockets.last().receive(at(12))
      expect(messages).toEqual([at(11), at(12)])
    })

    it('is delivered at once when the group cannot be recovered', () => {
      const { sockets, messages } = setup({ positions: { room: { epoch: 'e1', offset: 10 } } })
      sockets.last().open()
      sockets.last().receive(at(16))
      sockets
        .last()
        .receive({ type: 'resumed', groups: { room: { recovered: false, epoch: 'e1', offset: 15 } } })
      expect(messages).toEqual([at(16)])
    })
  })

  it('reports a frame that is not JSON as an error and stays open', () => {
    const { client, sockets, events } = setup()
    sockets.last().open()
    sockets.last().receive('{not json')
    expect(events).toEqual(['open', 'error'])
    expect(client.state).toBe('open')
  })
})
