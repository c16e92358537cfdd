import { afterEach, describe, expect, it } from 'vitest'

import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import type { StreamPosition } from '../../src/layers/history.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, resetChannelLayers } from '../../src/layers/registry.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { LayerMessage } from '../../src/types.js'

afterEach(async () => {
  await resetChannelLayers()
})

/** Joins the room it is asked to, from where the client says it stood, and forwards the room's messages. */
class RoomConsumer extends JsonWebsocketConsumer {
  override async receiveJson(content: unknown) {
    const { join, since } = content as { join: string; since?: StreamPosition }
    await this.sendJson({ joined: await this.groupAdd(join, since === undefined ? undefined : { since }) })
  }
  async roomMessage(message: LayerMessage) {
    await this.sendJson(message)
  }
}

function setUp(): InMemoryChannelLayer {
  const layer = new InMemoryChannelLayer({ history: { 'room.*': { size: 50, ttl: 60 } } })
  configureChannelLayers({ default: layer })
  return layer
}

describe('WebsocketConsumer#groupAdd', () => {
  it('a reconnecting client gets what it missed, then live messages, and disconnecting leaves the group', async () => {
    const layer = setUp()
    const first = new WebsocketCommunicator(RoomConsumer.asApp(), '/')
    await first.connect()
    await first.sendJsonTo({ join: 'room.a' })
    const { joined } = (await first.receiveJsonFrom()) as { joined: { epoch: string } }
    await layer.groupSend('room.a', { type: 'room.message', n: 1 })
    expect(await first.receiveJsonFrom()).toMatchObject({ n: 1, __position: { offset: 1 } })
    await first.disconnect()
    expect(layer.groupMembers('room.a')).toEqual([])

    await layer.groupSend('room.a', { type: 'room.message', n: 2 })
    await layer.groupSend('room.a', { type: 'room.message', n: 3 })
    const second = new WebsocketCommunicator(RoomConsumer.asApp(), '/')
    await second.connect()
    await second.sendJsonTo({ join: 'room.a', since: { epoch: joined.epoch, offset: 1 } })
    const received = [
      await second.receiveJsonFrom(),
      await second.receiveJsonFrom(),
      await second.receiveJsonFrom(),
    ]
    expect(received).toContainEqual({ joined: { recovered: true, epoch: joined.epoch, offset: 3 } })
    expect(
      received.filter((frame) => 'n' in (frame as object)).map((frame) => (frame as { n: number }).n),
    ).toEqual([2, 3])
    await second.disconnect()
  })

  it('a groupSendJson frame from a group with history reaches the client with its __position', async () => {
    setUp()
    class Broadcaster extends RoomConsumer {
      override async receiveJson(content: unknown) {
        if ((content as { say?: string }).say === undefined) return super.receiveJson(content)
        await this.groupSendJson('room.c', { said: (content as { say: string }).say })
      }
    }
    const client = new WebsocketCommunicator(Broadcaster.asApp(), '/')
    await client.connect()
    await client.sendJsonTo({ join: 'room.c' })
    const { joined } = (await client.receiveJsonFrom()) as { joined: { epoch: string } }
    await client.sendJsonTo({ say: 'hi' })
    expect(await client.receiveJsonFrom()).toEqual({
      said: 'hi',
      __position: { group: 'room.c', epoch: joined.epoch, offset: 1 },
    })
    await client.disconnect()
  })

  it('answers recovered: false for a position of another epoch, so the application refetches', async () => {
    setUp()
    const client = new WebsocketCommunicator(RoomConsumer.asApp(), '/')
    await client.connect()
    await client.sendJsonTo({ join: 'room.b', since: { epoch: 'before-a-restart', offset: 7 } })
    expect(await client.receiveJsonFrom()).toMatchObject({ joined: { recovered: false, offset: 0 } })
    await client.disconnect()
  })
})
