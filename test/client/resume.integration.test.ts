/**
 * Exactly once, in order, across reconnects: a `ChannelsClient` against a
 * real server whose consumer joins its group through `answerClientFrame()`,
 * on a layer that keeps the group's history.
 */

import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'

import {
  InMemoryChannelLayer,
  JsonWebsocketConsumer,
  answerClientFrame,
  configureChannelLayers,
  resetChannelLayers,
} from 'tschannels'
import { ChannelsClient } from 'tschannels/client'
import type { RecoveredEvent } from 'tschannels/client'
import { startServer } from '../server/helpers.js'

afterEach(async () => {
  await resetChannelLayers()
})

/** Reads the room; a `{ drop: true }` frame makes the server close it with a code that retries. */
class RoomConsumer extends JsonWebsocketConsumer {
  override async receiveJson(content: unknown): Promise<void> {
    if (await answerClientFrame(this, content, { groups: ['room'] })) return
    if ((content as { drop?: boolean }).drop) await this.close(4503, 'dropped for the test')
  }
}

/** A server, a layer keeping `size` messages of the room, and a client with what it delivered. */
async function setUp(size: number) {
  const layer = new InMemoryChannelLayer({ history: { room: { size, ttl: 60 } } })
  configureChannelLayers({ default: layer })
  const { ws } = await startServer(RoomConsumer.asApp())
  const client = new ChannelsClient(`${ws}/`, { WebSocket, backoff: { base: 5, cap: 20 } })
  onTestFinished(() => client.close())
  const delivered: number[] = []
  const recoveries: RecoveredEvent[] = []
  client.addEventListener('message', (event) => delivered.push((event.data as { n: number }).n))
  client.addEventListener('recovered', (event) => recoveries.push(event))
  let sent = 0
  const publish = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await layer.groupSend('room', { type: 'websocket.frame', text: JSON.stringify({ n: ++sent }) })
    }
  }
  const next = (type: 'resumed' | 'reconnecting') =>
    new Promise<void>((resolve) =>
      type === 'resumed'
        ? client.addEventListener('recovered', () => resolve(), { once: true })
        : client.addEventListener('reconnecting', () => resolve(), { once: true }),
    )
  // The first position comes with the answer to the client's first resume frame.
  for (let turn = 0; turn < 100_000 && Object.keys(client.positions).length === 0; turn++) {
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { client, delivered, recoveries, publish, next, sent: () => sent }
}

/** Resolves once `delivered` holds `count` values. */
async function until(delivered: number[], count: number): Promise<void> {
  for (let turn = 0; turn < 100_000 && delivered.length < count; turn++) {
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('ChannelsClient resume', () => {
  it('delivers every message once and in order across five drops', async () => {
    const { client, delivered, recoveries, publish, next, sent } = await setUp(1000)
    for (let round = 0; round < 5; round++) {
      await publish(10)
      const lost = next('reconnecting')
      client.send({ drop: true })
      await lost
      // Sent while the client is away: only the history can bring these back.
      await publish(10)
      const resumed = next('resumed')
      await resumed
    }
    await publish(10)
    await until(delivered, sent())
    expect(delivered).toEqual(Array.from({ length: 110 }, (_, i) => i + 1))
    expect(recoveries.map((event) => event.recovered)).toEqual([true, true, true, true, true])
  })

  it("says recovered: false when the history no longer reaches the client's position", async () => {
    const { client, recoveries, publish, next } = await setUp(5)
    await publish(3)
    const lost = next('reconnecting')
    client.send({ drop: true })
    await lost
    await publish(20)
    await next('resumed')
    expect(recoveries.map(({ group, recovered }) => ({ group, recovered }))).toEqual([
      { group: 'room', recovered: false },
    ])
  })
})
