import { afterEach, describe, expect, it } from 'vitest'

import type { ReceivedData } from '../../src/consumers/websocket-consumer.js'
import { WebsocketConsumer } from '../../src/consumers/websocket-consumer.js'
import { AcceptConnection, DenyConnection, ImproperlyConfigured } from '../../src/errors.js'
import { InMemoryChannelLayer } from '../../src/layers/memory.js'
import { configureChannelLayers, resetChannelLayers } from '../../src/layers/registry.js'
import { WebsocketCommunicator } from '../../src/testing/websocket-communicator.js'
import type { LayerMessage } from '../../src/types.js'

afterEach(async () => {
  await resetChannelLayers()
})

class EchoConsumer extends WebsocketConsumer {
  override async receive({ text, bytes }: ReceivedData) {
    if (text !== undefined) await this.send({ text })
    else if (bytes !== undefined) await this.send({ bytes })
  }
}

describe('WebsocketConsumer', () => {
  describe('#connect', () => {
    it('accepts by default', async () => {
      const communicator = new WebsocketCommunicator(EchoConsumer.asApp(), '/echo/')
      const result = await communicator.connect()
      expect(result).toMatchObject({ connected: true, subprotocol: null })
      await communicator.disconnect()
    })

    it('emits the subprotocol and headers given to accept()', async () => {
      class Picky extends WebsocketConsumer {
        override async connect() {
          await this.accept('chat.v2', [['foo', 'bar']])
        }
      }
      const communicator = new WebsocketCommunicator(Picky.asApp(), '/', {
        subprotocols: ['chat.v1', 'chat.v2'],
      })
      const result = await communicator.connect()
      expect(result.subprotocol).toBe('chat.v2')
      expect(result.headers).toEqual([['foo', 'bar']])
    })

    it('rejects the handshake when connect() throws DenyConnection', async () => {
      class Refuser extends WebsocketConsumer {
        override async connect() {
          throw new DenyConnection()
        }
      }
      const communicator = new WebsocketCommunicator(Refuser.asApp(), '/')
      expect(await communicator.connect()).toMatchObject({ connected: false, closeCode: 1000 })
    })

    it('accepts when connect() throws AcceptConnection', async () => {
      class Eager extends WebsocketConsumer {
        override async connect() {
          throw new AcceptConnection()
        }
      }
      const communicator = new WebsocketCommunicator(Eager.asApp(), '/')
      expect((await communicator.connect()).connected).toBe(true)
    })

    it('queues frames that arrive during an async connect and delivers them in order afterwards', async () => {
      class SlowStart extends WebsocketConsumer {
        ready = false
        override async connect() {
          await this.accept()
          await new Promise((resolve) => setTimeout(resolve, 50))
          this.ready = true
        }
        override async receive({ text }: ReceivedData) {
          await this.send({ text: `${this.ready ? 'ready' : 'early'}:${text}` })
        }
      }
      const communicator = new WebsocketCommunicator(SlowStart.asApp(), '/')
      await communicator.sendInput({ type: 'websocket.connect' })
      await communicator.sendTo('one')
      await communicator.sendTo('two')
      await communicator.sendTo('three')
      expect((await communicator.receiveOutput()).type).toBe('websocket.accept')
      expect(await communicator.receiveFrom()).toBe('ready:one')
      expect(await communicator.receiveFrom()).toBe('ready:two')
      expect(await communicator.receiveFrom()).toBe('ready:three')
    })
  })

  describe('#close', () => {
    it('emits both the code and the reason', async () => {
      class Closer extends WebsocketConsumer {
        override async receive() {
          await this.close(4007, 'test reason')
        }
      }
      const communicator = new WebsocketCommunicator(Closer.asApp(), '/')
      await communicator.connect()
      await communicator.sendTo('bye')
      expect(await communicator.receiveOutput()).toEqual({
        type: 'websocket.close',
        code: 4007,
        reason: 'test reason',
      })
    })

    it('rejects the handshake with its code when called before accept', async () => {
      class Gate extends WebsocketConsumer {
        override async connect() {
          await this.close(4401, 'unauthenticated')
        }
      }
      const communicator = new WebsocketCommunicator(Gate.asApp(), '/')
      expect(await communicator.connect()).toMatchObject({
        connected: false,
        closeCode: 4401,
        closeReason: 'unauthenticated',
      })
    })
  })

  describe('#send', () => {
    it('echoes text and binary frames', async () => {
      const communicator = new WebsocketCommunicator(EchoConsumer.asApp(), '/')
      await communicator.connect()
      await communicator.sendTo('hello')
      expect(await communicator.receiveFrom()).toBe('hello')
      await communicator.sendTo(new Uint8Array([1, 2, 3]))
      expect(await communicator.receiveFrom()).toEqual(new Uint8Array([1, 2, 3]))
      await communicator.disconnect()
    })

    it('closes after sending when close is true, with 1000', async () => {
      class Goodbye extends WebsocketConsumer {
        override async receive() {
          await this.send({ text: 'bye' }, { close: true })
        }
      }
      const communicator = new WebsocketCommunicator(Goodbye.asApp(), '/')
      await communicator.connect()
      await communicator.sendTo('x')
      expect(await communicator.receiveFrom()).toBe('bye')
      expect(await communicator.receiveOutput()).toEqual({ type: 'websocket.close' })
    })

    it('closes with the given code when close is a number', async () => {
      class Goodbye extends WebsocketConsumer {
        override async receive() {
          await this.send({ text: 'bye' }, { close: 4000 })
        }
      }
      const communicator = new WebsocketCommunicator(Goodbye.asApp(), '/')
      await communicator.connect()
      await communicator.sendTo('x')
      await communicator.receiveFrom()
      expect(await communicator.receiveOutput()).toEqual({ type: 'websocket.close', code: 4000 })
    })
  })

  describe('#disconnect', () => {
    it('is called with the close code and ends the consumer', async () => {
      const codes: number[] = []
      class Watcher extends WebsocketConsumer {
        override async disconnect(code: number) {
          codes.push(code)
        }
      }
      const communicator = new WebsocketCommunicator(Watcher.asApp(), '/')
      await communicator.connect()
      await communicator.disconnect(1001)
      expect(codes).toEqual([1001])
      expect(communicator.finished).toBe(true)
    })
  })

  describe('static groups', () => {
    it('joins the groups on connect, receives group sends, and leaves them on disconnect', async () => {
      const layer = new InMemoryChannelLayer()
      configureChannelLayers({ default: layer })
      class ChatConsumer extends EchoConsumer {
        static override groups = ['chat']
      }
      const communicator = new WebsocketCommunicator(ChatConsumer.asApp(), '/')
      expect((await communicator.connect()).connected).toBe(true)
      expect(layer.groupMembers('chat')).toHaveLength(1)
      await layer.groupSend('chat', { type: 'websocket.frame', text: 'hello' })
      expect(await communicator.receiveFrom()).toBe('hello')
      await communicator.disconnect()
      expect(layer.groupMembers('chat')).toEqual([])
    })

    it('dispatches group messages to handlers named after their type', async () => {
      configureChannelLayers({ default: { backend: 'memory' } })
      class Room extends WebsocketConsumer {
        static override groups = ['room.lobby']
        async chatMessage(message: LayerMessage) {
          await this.send({ text: `${String(message.user)}: ${String(message.text)}` })
        }
      }
      const alice = new WebsocketCommunicator(Room.asApp(), '/')
      const bob = new WebsocketCommunicator(Room.asApp(), '/')
      await alice.connect()
      await bob.connect()
      const { getChannelLayer } = await import('../../src/layers/registry.js')
      await getChannelLayer()!.groupSend('room.lobby', { type: 'chat.message', user: 'alice', text: 'hi' })
      expect(await alice.receiveFrom()).toBe('alice: hi')
      expect(await bob.receiveFrom()).toBe('alice: hi')
    })

    it('explains that groups need a channel layer when none is configured', async () => {
      configureChannelLayers({})
      class Grouped extends WebsocketConsumer {
        static override groups = ['chat']
      }
      const communicator = new WebsocketCommunicator(Grouped.asApp(), '/')
      const error = await communicator.connect().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ImproperlyConfigured)
      expect((error as Error).message).toMatch(/declares groups \(chat\) but no channel layer is configured/)
    })
  })
})
