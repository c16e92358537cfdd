import { afterEach, describe, expect, it } from 'vitest'

import { JsonWebsocketConsumer } from '../../src/consumers/json-websocket-consumer.js'
import type { InvalidFrame } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, resetChannelLayers } from '../../src/layers/registry.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { LayerMessage } from '../../src/types.js'

afterEach(async () => {
  await resetChannelLayers()
})

type Ping = { action: string; n?: number }

class JsonEcho extends JsonWebsocketConsumer<Ping, { echo: Ping }> {
  override async receiveJson(content: Ping) {
    await this.sendJson({ echo: content })
  }
}

class Room extends JsonWebsocketConsumer<Ping, { said: Ping }> {
  static override groups = ['room']
  override async receiveJson(content: Ping) {
    await this.groupSendJson('room', { said: content })
  }
}

describe('JsonWebsocketConsumer', () => {
  describe('#groupSendJson', () => {
    it('encodes once and every member sends the same text', async () => {
      const layer = new InMemoryChannelLayer()
      configureChannelLayers({ default: layer })
      const alice = new WebsocketCommunicator(Room.asApp(), '/')
      const bob = new WebsocketCommunicator(Room.asApp(), '/')
      await alice.connect()
      await bob.connect()
      let encoded = 0
      class Counting extends Room {
        override encodeJson(content: { said: Ping }): string {
          encoded++
          return super.encodeJson(content)
        }
      }
      const carol = new WebsocketCommunicator(Counting.asApp(), '/')
      await carol.connect()
      await carol.sendJsonTo({ action: 'hi', n: 3 })
      for (const member of [alice, bob, carol]) {
        expect(await member.receiveFrom()).toBe('{"said":{"action":"hi","n":3}}')
      }
      expect(encoded).toBe(1)
      await Promise.all([alice.disconnect(), bob.disconnect(), carol.disconnect()])
    })

    it('lets websocketFrame() filter per member', async () => {
      configureChannelLayers({ default: { backend: 'memory' } })
      class Quiet extends Room {
        override async websocketFrame(message: LayerMessage): Promise<void> {
          if (String(message.text).includes('secret')) return
          await super.websocketFrame(message)
        }
      }
      const speaker = new WebsocketCommunicator(Room.asApp(), '/')
      const listener = new WebsocketCommunicator(Quiet.asApp(), '/')
      await speaker.connect()
      await listener.connect()
      await speaker.sendJsonTo({ action: 'secret' })
      await speaker.sendJsonTo({ action: 'public' })
      expect(await speaker.receiveJsonFrom()).toEqual({ said: { action: 'secret' } })
      expect(await listener.receiveJsonFrom()).toEqual({ said: { action: 'public' } })
      await Promise.all([speaker.disconnect(), listener.disconnect()])
    })

    it('rejects when the content cannot be encoded, without sending anything', async () => {
      configureChannelLayers({ default: { backend: 'memory' } })
      let failure: unknown
      class Circular extends JsonWebsocketConsumer<Ping, unknown> {
        override async receiveJson() {
          const loop: Record<string, unknown> = {}
          loop.self = loop
          failure = await this.groupSendJson('room', loop).catch((error: unknown) => error)
          await this.sendJson({ done: true })
        }
      }
      const communicator = new WebsocketCommunicator(Circular.asApp(), '/')
      await communicator.connect()
      await communicator.sendJsonTo({ action: 'go' })
      expect(await communicator.receiveJsonFrom()).toEqual({ done: true })
      expect(failure).toBeInstanceOf(TypeError)
      await communicator.disconnect()
    })
  })

  describe('#receiveJson', () => {
    it('receives decoded JSON and sends encoded JSON', async () => {
      const communicator = new WebsocketCommunicator(JsonEcho.asApp(), '/')
      await communicator.connect()
      await communicator.sendJsonTo({ action: 'ping', n: 1 })
      expect(await communicator.receiveJsonFrom()).toEqual({ echo: { action: 'ping', n: 1 } })
      await communicator.disconnect()
    })
  })

  describe('#invalidFrame', () => {
    it('closes with 1003 and a reason when a binary frame arrives', async () => {
      const communicator = new WebsocketCommunicator(JsonEcho.asApp(), '/')
      await communicator.connect()
      await communicator.sendTo(new Uint8Array([123, 125]))
      expect(await communicator.receiveOutput()).toEqual({
        type: 'websocket.close',
        code: 1003,
        reason: 'Binary frames are not supported',
      })
    })

    it('closes with 1007 and a reason when the text is not JSON', async () => {
      const communicator = new WebsocketCommunicator(JsonEcho.asApp(), '/')
      await communicator.connect()
      await communicator.sendTo('{not json')
      expect(await communicator.receiveOutput()).toEqual({
        type: 'websocket.close',
        code: 1007,
        reason: 'Invalid JSON',
      })
    })

    it('can be overridden to answer with an error and keep the connection open', async () => {
      class Forgiving extends JsonEcho {
        override async invalidFrame(error: InvalidFrame) {
          await this.sendJson({ echo: { action: 'error', n: error.closeCode } })
        }
      }
      const communicator = new WebsocketCommunicator(Forgiving.asApp(), '/')
      await communicator.connect()
      await communicator.sendTo('{oops')
      expect(await communicator.receiveJsonFrom()).toEqual({ echo: { action: 'error', n: 1007 } })
      await communicator.sendJsonTo({ action: 'still here' })
      expect(await communicator.receiveJsonFrom()).toEqual({ echo: { action: 'still here' } })
      await communicator.disconnect()
    })
  })

  describe('#encodeJson and #decodeJson', () => {
    it('can be overridden to change the wire format', async () => {
      class Shouting extends JsonEcho {
        override decodeJson(text: string): Ping {
          return JSON.parse(text.toLowerCase()) as Ping
        }
        override encodeJson(content: { echo: Ping }): string {
          return JSON.stringify(content).toUpperCase()
        }
      }
      const communicator = new WebsocketCommunicator(Shouting.asApp(), '/')
      await communicator.connect()
      await communicator.sendTo('{"ACTION": "PING"}')
      expect(await communicator.receiveFrom()).toBe('{"ECHO":{"ACTION":"PING"}}')
    })
  })
})
